"""Province administration services without pages: site settings, banks and staff accounts (pages in workspace.admin)."""
