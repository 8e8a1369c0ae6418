"""Pictures stored by the instance itself, so pages never ask another origin for them."""
