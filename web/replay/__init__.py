"""预演 (replay) of a draft anomaly rule set: the page beside the rules page, the background worker, the command."""
