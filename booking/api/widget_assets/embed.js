/* MyMedic booking widget. Paste where the widget should appear:
 *   <script src="https://BOOKING-HOST/widget.js" data-tenant="tnt_x" data-branch="br_x"
 *           data-doctor="doc_x" data-channel="widget" data-campaign="summer-2026" async></script>
 * data-doctor, data-channel (default "widget") and data-campaign are optional. The site must be one of the
 * tenant's allowed sites, or the browser refuses the frame. */
(function () {
  var script = document.currentScript;
  if (!script) { return; }
  var d = script.dataset;
  var base = new URL(script.src).origin;
  var query = new URLSearchParams();
  if (d.doctor) { query.set("doctor", d.doctor); }
  query.set("channel", d.channel || "widget");
  if (d.campaign) { query.set("campaign", d.campaign); }
  var frame = document.createElement("iframe");
  frame.src = base + "/widget/" + encodeURIComponent(d.tenant || "") + "/" +
    encodeURIComponent(d.branch || "") + "?" + query.toString();
  frame.title = "Book an appointment";
  frame.loading = "lazy";
  frame.style.cssText = "width:100%;max-width:480px;height:" + (d.height || "760") + "px;border:0;";
  script.parentNode.insertBefore(frame, script.nextSibling);
})();
