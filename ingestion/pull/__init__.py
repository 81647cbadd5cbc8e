"""Pulling from the gateway: the Razorpay API client, the settlement recon pull and the refund status check.

What a pull fetches is written as files into the data directory first, exactly as the gateway answered,
and loaded from there by the ordinary feeds (`razorpay_settlements`, `razorpay_refund_status`): the files
are the audit trail of what the gateway said, and loading them again adds nothing.
"""
