"""SFO reviews, sampling, QA standards, assessments, QA reports and deadlines."""
