"""Threaded comments per criterion on a stage review, for the committee only or for the submitter too."""
