package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/gofiber/fiber/v2"

	"portal/models"
)

// maxEvidence is the largest scan accepted.
const maxEvidence = 10 << 20

// evidenceTypes are the scans accepted, by the type sniffed from their bytes.
var evidenceTypes = map[string]string{"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}

// recordEmployment takes JSON, or a multipart form with an optional evidence_file.
func (a *App) recordEmployment(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in models.EmploymentInput
	var file *models.EvidenceFile
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		in = models.EmploymentInput{EmployerName: c.FormValue("employer_name"), EmployerUSCC: c.FormValue("employer_uscc"),
			EvidenceType: c.FormValue("evidence_type"), EvidenceNo: c.FormValue("evidence_no"), StartOn: c.FormValue("start_on")}
		if fh, ferr := c.FormFile("evidence_file"); ferr == nil {
			if file, err = a.saveEvidence(fh); err != nil {
				return err
			}
		}
	} else if err := decodeJSON(c, &in); err != nil {
		return err
	}
	rec, err := a.store.RecordEmployment(c.UserContext(), currentUser(c), id, in, file, a.now())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(rec)
}

// saveEvidence checks an uploaded scan by its bytes and stores it under FILES_DIR by its
// SHA-256, so the same scan is kept once.
func (a *App) saveEvidence(fh *multipart.FileHeader) (*models.EvidenceFile, error) {
	if fh.Size > maxEvidence {
		return nil, &models.Error{Code: models.ErrTooLarge, Message: "evidence_file is over 10 MB", Fields: map[string]string{"evidence_file": "must be at most 10 MB"}}
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	kind := http.DetectContentType(head[:n])
	ext, ok := evidenceTypes[kind]
	if !ok {
		return nil, &models.Error{Code: models.ErrInvalid, Message: "evidence_file must be a PDF, JPEG or PNG (this one looks like " + kind + ")",
			Fields: map[string]string{"evidence_file": "must be a PDF, JPEG or PNG"}}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(a.filesDir, "evidence"), 0o750); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Join(a.filesDir, "evidence"), "upload-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(f, maxEvidence+1)); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := os.Rename(tmp.Name(), a.evidencePath(sum)); err != nil {
		return nil, err
	}
	name := filepath.Base(fh.Filename)
	if len(name) > 100 {
		name = name[:100]
	}
	return &models.EvidenceFile{SHA256: sum, Type: kind, Name: strings.TrimSuffix(name, filepath.Ext(name)) + ext}, nil
}

func (a *App) evidencePath(sum string) string { return filepath.Join(a.filesDir, "evidence", sum) }

// evidenceFile serves a scan to the program's provider and to reviewers only.
func (a *App) evidenceFile(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	rec, err := a.store.EvidenceFor(c.UserContext(), currentUser(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, rec.FileType)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="evidence-`+rec.FileSHA256[:12]+evidenceTypes[rec.FileType]+`"`)
	return c.SendFile(a.evidencePath(rec.FileSHA256))
}
