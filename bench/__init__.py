"""Performance benchmarks (`make bench`): each figure beside the limit it chases."""
