"""The redirect map: static validation (validate), live verification (verify), nginx export
(nginx) and other formats (formats)."""
