"""双随机、一公开 pages: directories, plans and draws (i16a), on-site inspections and published results."""
