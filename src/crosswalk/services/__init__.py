"""Use cases shared by the CLI and the web app; one module per noun or job."""
