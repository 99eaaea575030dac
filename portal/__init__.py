"""App assembly: the factory, navigation, home pages, demo seeding; the only package that may import every other."""
