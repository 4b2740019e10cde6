"""理赔: notice of possible loss and claims (a later issue builds it; see PRODUCT.md)."""
