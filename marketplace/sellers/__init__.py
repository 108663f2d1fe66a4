"""Seller onboarding: a buyer applies to open a shop, the commune's staff verify or reject the application.

`services` holds the rules, `documents` the private certificate photos, `views` the HTML pages (blueprint
`sellers`), `api` the JSON API (`/api/v1/cooperatives`); both are registered by `marketplace.web`."""
