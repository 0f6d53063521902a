// Links the JUnit writer without including it: the link alone is an arrow upward.
