package spec

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// contentTypes maps file extensions to content types. It is built in, not
// read from the system's mime.types, so that the same manifest yields the
// same content type (and so the same plan) on every machine.
var contentTypes = map[string]string{
	".7z":   "application/x-7z-compressed",
	".bmp":  "image/bmp",
	".css":  "text/css",
	".csv":  "text/csv",
	".doc":  "application/msword",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".eml":  "message/rfc822",
	".gif":  "image/gif",
	".gz":   "application/gzip",
	".htm":  "text/html",
	".html": "text/html",
	".ico":  "image/vnd.microsoft.icon",
	".ics":  "text/calendar",
	".jpeg": "image/jpeg",
	".jpg":  "image/jpeg",
	".js":   "text/javascript",
	".json": "application/json",
	".md":   "text/markdown",
	".mov":  "video/quicktime",
	".mp3":  "audio/mpeg",
	".mp4":  "video/mp4",
	".msg":  "application/vnd.ms-outlook",
	".odp":  "application/vnd.oasis.opendocument.presentation",
	".ods":  "application/vnd.oasis.opendocument.spreadsheet",
	".odt":  "application/vnd.oasis.opendocument.text",
	".pdf":  "application/pdf",
	".png":  "image/png",
	".ppt":  "application/vnd.ms-powerpoint",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".rtf":  "application/rtf",
	".svg":  "image/svg+xml",
	".tar":  "application/x-tar",
	".tif":  "image/tiff",
	".tiff": "image/tiff",
	".txt":  "text/plain",
	".vcf":  "text/vcard",
	".wav":  "audio/wav",
	".webp": "image/webp",
	".xls":  "application/vnd.ms-excel",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".xml":  "application/xml",
	".yaml": "application/yaml",
	".yml":  "application/yaml",
	".zip":  "application/zip",
}

// DetectContentType picks a content type for an attachment: from the
// extension of its name, then of its source, then from the first 512 bytes
// of the content (net/http's sniffing, also deterministic).
func DetectContentType(name, source string) string { return detectContentType(name, source) }

func detectContentType(name, source string) string {
	for _, p := range []string{name, source} {
		if ct, ok := contentTypes[strings.ToLower(filepath.Ext(p))]; ok {
			return ct
		}
	}
	f, err := os.Open(source)
	if err != nil {
		return "application/octet-stream"
	}
	defer f.Close()
	buf := make([]byte, 512)
	n, _ := io.ReadFull(f, buf)
	return http.DetectContentType(buf[:n])
}
