"""Intake (受付): the three channels turn what arrives into durable cases."""
