"""Human tasks: claim, complete, the work lists, the task page, drafts and approval operations."""
