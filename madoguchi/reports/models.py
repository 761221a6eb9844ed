# Models of 報告書.
