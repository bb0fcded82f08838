"""Reading and writing other people's files: spreadsheets, program folders, open formats."""
