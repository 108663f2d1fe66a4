"""Sellers (cooperatives): onboarding, verification and the bank account their money goes to.

A buyer applies to open a shop and the commune's staff verify or reject the application. `services` holds the rules,
`documents` the private certificate photos, `views` the HTML pages (blueprint `sellers`), `api` the JSON API
(`/api/v1/cooperatives`), `bank` and `bank_api` the bank-account changes and notification keys, `excel` and
`views_bulk` the communes' bulk onboarding from a spreadsheet; all registered by `marketplace.web`."""
