"""duckshred's command line (Typer): parses, calls the services, prints."""
