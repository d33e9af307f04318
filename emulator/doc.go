// Package emulator is a faithful local Microsoft Graph for file attachments.
package emulator
