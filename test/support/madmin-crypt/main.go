// Command madmin-crypt encrypts or decrypts standard input with MinIO's admin API payload
// format, using madmin-go's own EncryptData and DecryptData. The gateway's tests run it to
// check their TypeScript implementation of that format against the reference one.
//
// Usage: madmin-crypt encrypt|decrypt PASSWORD < input > output
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/minio/madmin-go/v3"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: madmin-crypt encrypt|decrypt PASSWORD < input > output")
		os.Exit(2)
	}
	mode, password := os.Args[1], os.Args[2]
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("reading standard input", err)
	}
	var output []byte
	switch mode {
	case "encrypt":
		output, err = madmin.EncryptData(password, input)
	case "decrypt":
		output, err = madmin.DecryptData(password, bytes.NewReader(input))
	default:
		fmt.Fprintf(os.Stderr, "unknown mode %q: use encrypt or decrypt\n", mode)
		os.Exit(2)
	}
	if err != nil {
		fail(mode, err)
	}
	if _, err := os.Stdout.Write(output); err != nil {
		fail("writing standard output", err)
	}
}

func fail(step string, err error) {
	fmt.Fprintf(os.Stderr, "madmin-crypt: %s failed: %v\n", step, err)
	os.Exit(1)
}
