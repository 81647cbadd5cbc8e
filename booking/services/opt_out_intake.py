"""Opt-out keywords patients send back (a WhatsApp `STOP`): the seam between inbound webhooks and the
outbound messaging's opt-outs.

The inbound webhooks hand every opt-out keyword here, once per inbound message, in the same transaction as
its receipt. Recording it as an opt-out of a patient (`message.opted_out`: patient_id, channel, keyword,
received_at) belongs to the outbound messaging, which knows which patient a number is; until it takes this
over, `received` records an audit row (the number masked) so that no opt-out goes unseen.
"""

from __future__ import annotations

from booking.domain.recipients import mask_phone
from booking.integrations.message_statuses import OptOutRequest
from booking.services.context import Ctx


def received(ctx: Ctx, request: OptOutRequest) -> str:
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
    return f"opt-out keyword {request.keyword} recorded for review"
