# Models of 出張申請.
