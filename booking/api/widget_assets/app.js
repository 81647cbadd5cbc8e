/* The booking page inside the widget frame: pick a doctor, a day and a free time, give a name and a mobile
 * number, book. Calls this service's widget routes (same origin); never logs what the patient types. */
(function () {
  "use strict";
  var root = document.getElementById("widget");
  var cfg = root.dataset;
  var api = "/widget/" + encodeURIComponent(cfg.tenant) + "/" + encodeURIComponent(cfg.branch);
  var $ = function (id) { return document.getElementById(id); };
  var chosen = null;

  function rupees(paise) { return "\u20b9" + (paise / 100).toFixed(paise % 100 ? 2 : 0); }
  function istTime(iso) {
    return new Date(iso).toLocaleTimeString("en-IN", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Kolkata" });
  }
  function istDay(iso) {
    return new Date(iso).toLocaleDateString("en-IN", { weekday: "short", day: "numeric", month: "short", timeZone: "Asia/Kolkata" });
  }
  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "widget-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function showError(text) { $("error").textContent = text; $("error").hidden = !text; }
  function call(path, options) {
    return fetch(api + path, options).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body.detail || "Something went wrong; please try again."); }
        return body;
      });
    });
  }

  function loadSlots() {
    chosen = null;
    var box = $("slots");
    box.textContent = "";
    $("no-slots").hidden = true;
    if (!$("doctor").value || !$("date").value) { return; }
    var q = "?date=" + encodeURIComponent($("date").value) + "&visit_type=in_person";
    call("/doctors/" + encodeURIComponent($("doctor").value) + "/slots" + q).then(function (slots) {
      $("no-slots").hidden = slots.length > 0;
      slots.forEach(function (slot) {
        var b = document.createElement("button");
        b.type = "button";
        b.setAttribute("role", "radio");
        b.setAttribute("aria-checked", "false");
        b.dataset.start = slot.slot_start;
        b.textContent = istTime(slot.slot_start);
        b.addEventListener("click", function () {
          Array.prototype.forEach.call(box.children, function (c) { c.setAttribute("aria-checked", "false"); });
          b.setAttribute("aria-checked", "true");
          chosen = slot.slot_start;
        });
        box.appendChild(b);
      });
    }).catch(function (e) { showError(e.message); });
  }

  function book(event) {
    event.preventDefault();
    showError("");
    if (!chosen) { showError("Choose a time."); return; }
    var body = {
      branch_id: cfg.branch,
      doctor_id: $("doctor").value,
      slot_start: chosen,
      visit_type: "in_person",
      patient: { name: $("name").value, phone: $("phone").value },
      channel: cfg.channel,
      campaign: cfg.campaign
    };
    $("submit").disabled = true;
    call("/bookings", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": newKey() },
      body: JSON.stringify(body)
    }).then(function (booking) {
      $("book").hidden = true;
      $("done-when").textContent = istDay(booking.slot_start) + ", " + istTime(booking.slot_start);
      $("done-pay").textContent = booking.deposit_paise > 0
        ? "Deposit due: " + rupees(booking.deposit_paise) + " (we will send you the payment link)."
        : "Nothing to pay now.";
      $("done-ref").textContent = booking.booking_id;
      $("done").hidden = false;
    }).catch(function (e) {
      showError(e.message);
      $("submit").disabled = false;
      loadSlots();
    });
  }

  call("/doctors").then(function (doctors) {
    doctors.forEach(function (doc) {
      var o = document.createElement("option");
      o.value = doc.doctor_id;
      o.textContent = doc.name + " \u00b7 " + doc.specialty +
        (doc.consultation_fee_paise ? " \u00b7 " + rupees(doc.consultation_fee_paise) : "");
      $("doctor").appendChild(o);
    });
    if (cfg.doctor) { $("doctor").value = cfg.doctor; }
    loadSlots();
  }).catch(function (e) { showError(e.message); });
  $("doctor").addEventListener("change", loadSlots);
  $("date").addEventListener("change", loadSlots);
  $("book").addEventListener("submit", book);
})();
