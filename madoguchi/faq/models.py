# Models of 質疑応答集.
