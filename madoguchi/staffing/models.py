# Models of 人員配置・シフト.
