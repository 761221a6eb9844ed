# Models of 受取予約.
