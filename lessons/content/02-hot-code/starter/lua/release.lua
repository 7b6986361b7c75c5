return { name = "release 1" }
