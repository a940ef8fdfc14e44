"""The firm's file: applications, notes per criterion, evidence, submission, withdrawal."""
