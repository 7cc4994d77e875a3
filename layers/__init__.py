"""What each layer of the sharing map is (specs, the sources manifest) and the stores that hold them."""
