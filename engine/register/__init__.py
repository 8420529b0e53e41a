"""The register (企业名录): enterprises and monitoring points kept by administrators — rows, files, import/export,
changes, searches and enterprise log-ins."""
