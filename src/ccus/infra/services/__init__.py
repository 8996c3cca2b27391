"""One module per service of the embedded stack; ``ccus.infra.stack`` is the public entry point."""
