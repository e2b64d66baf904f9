"""Code the course notebooks import: checks with feedback, plotting and numeric helpers."""
