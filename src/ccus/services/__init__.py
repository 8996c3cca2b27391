"""Application services: units of work over the domain, shared by the web app and the tasks."""
