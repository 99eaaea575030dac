"""One module per class of weakness a penetration test found (issue #12); each fails if it comes back."""
