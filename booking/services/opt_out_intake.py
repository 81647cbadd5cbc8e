"""Opt-out keywords patients send back (a WhatsApp `STOP`): from the inbound webhooks to the outbound
messaging's opt-outs.

The inbound webhooks hand every opt-out keyword here, once per inbound message, in the same transaction as
its receipt. The number's patient is opted out of that channel (`message.opted_out`, once); a number no
patient of the tenant has is kept as an audit row (the number masked) so that no opt-out goes unseen.
"""

from __future__ import annotations

from booking.domain.recipients import mask_phone
from booking.integrations.message_statuses import OptOutRequest
from booking.services.context import Ctx
from booking.services.outbound_messages import opt_out_by_phone


def received(ctx: Ctx, request: OptOutRequest) -> str:
    hooks = ctx.tenant.message_webhooks
    try:
        patient_id, new = opt_out_by_phone(
            ctx.session, tenant_id=ctx.tenant_id, phone=request.sender, channel=request.channel,
            keyword=request.keyword, at=request.received_at, branch_id=hooks.branch_id if hooks else None,
        )  # fmt: skip
    except LookupError:
        ctx.audit(
            "message.opt_out.received",
            "inbound_message",
            request.provider_message_id[:64],
            after={
                "channel": request.channel,
                "keyword": request.keyword,
                "sender": mask_phone(request.sender),
                "received_at": request.received_at.isoformat(),
            },
        )
        return f"opt-out keyword {request.keyword} from a number no patient has: recorded for review"
    return f"patient {patient_id} opted out of {request.channel}" + ("" if new else " (already)")
