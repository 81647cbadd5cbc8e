"""MyMedic booking service: the portal API that emits the platform's booking and payment events."""
