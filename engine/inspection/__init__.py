"""双随机、一公开 (random inspection): directories of objects, officers and items, plans, verifiable draws,
on-site inspections, conclusions, publication and follow-up, special campaigns."""
