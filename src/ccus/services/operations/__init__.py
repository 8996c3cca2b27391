"""Running the machine: the work lease, the e-mail outbox and the re-drive of stuck cases."""
