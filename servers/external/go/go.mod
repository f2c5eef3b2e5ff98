module echobench/echo-go

go 1.19
