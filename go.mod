module github.com/vsskit/vss

go 1.25.0
