"""Training views, one module per area. Every view checks sign-in and the role; writes go
through training.services and reads through training.selectors."""
