"""The scheme's periodic work: one management command (``run_periodic``) a scheduler
calls. It sits above the apps whose work it drives (mentors, mentoring), so none of
them needs to know it exists."""
