"""The on-site part of 双随机: one ``random_inspection`` process per drawn assignment, from dispatch to the
officer pair through the phone form, the section head's review and conclusion, publication and follow-up."""
