"""The collection timetable: jobs, their cron schedules, the due-run tick, exports, history."""
