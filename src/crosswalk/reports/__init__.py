"""Report writers: tables as Markdown, CSV and XLSX; later HTML."""
