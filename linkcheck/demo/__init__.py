"""The built-in demo sites (aiohttp.web), used by `linkcheck demo` and the tests."""
