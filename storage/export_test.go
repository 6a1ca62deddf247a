package storage

// SetQueueOff lets benchmarks measure a tracking upload without its messages.
func SetQueueOff(off bool) { queueOff = off }

// QueueOff says whether SetQueueOff turned queueing off.
func QueueOff() bool { return queueOff }
