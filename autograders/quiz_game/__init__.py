"""The live quiz game of the course hub (the hub service ``quiz``).

The deck pauses before CNNs for a quiz game; this plays it on the course's own hub, with the
students' hub logins instead of nicknames, questions from banks in the course, answers kept on
the server and results recorded in nbgrader's gradebook.
"""
