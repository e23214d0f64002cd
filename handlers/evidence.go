package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/gofiber/fiber/v2"

	"portal/models"
)

// maxEvidence is the largest scan accepted.
const maxEvidence = 10 << 20

// maxFileNameRunes is how many characters of an uploaded scan's name are kept.
const maxFileNameRunes = 100

// evidenceTypes are the scans accepted, by the type sniffed from their bytes.
var evidenceTypes = map[string]string{"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}

// files is where evidence is kept: the database on PostgreSQL (every portal process serves
// every upload, no shared disk), FILES_DIR on SQLite (one process on one box).
func (a *App) files() models.FileStore { return a.store.Files(a.filesDir) }

// recordEmployment takes JSON, or a multipart form with an optional evidence_file.
func (a *App) recordEmployment(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in models.EmploymentInput
	var fh *multipart.FileHeader
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		in = models.EmploymentInput{EmployerName: c.FormValue("employer_name"), EmployerUSCC: c.FormValue("employer_uscc"),
			EvidenceType: c.FormValue("evidence_type"), EvidenceNo: c.FormValue("evidence_no"), StartOn: c.FormValue("start_on")}
		fh, _ = c.FormFile("evidence_file")
	} else if err := decodeJSON(c, &in); err != nil {
		return err
	}
	rec, err := a.storeEmployment(c, id, in, fh)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(rec)
}

// storeEmployment records an enrolment's employment with an optional scan (fh may be nil).
// A refused request leaves nothing stored: the enrolment is checked before the scan is kept,
// and a scan this request stored is removed again when recording fails.
func (a *App) storeEmployment(c *fiber.Ctx, id int64, in models.EmploymentInput, fh *multipart.FileHeader) (models.EmploymentRecord, error) {
	ctx := c.UserContext()
	var file *models.EvidenceFile
	if fh != nil && fh.Size > 0 {
		if err := a.store.CheckEmploymentUpload(ctx, currentUser(c), id); err != nil {
			return models.EmploymentRecord{}, err
		}
		var created bool
		var err error
		if file, created, err = a.putEvidence(ctx, fh); err != nil {
			return models.EmploymentRecord{}, err
		}
		rec, err := a.store.RecordEmployment(ctx, currentUser(c), id, in, file, a.now())
		if err != nil && created {
			if rerr := a.files().Remove(context.WithoutCancel(ctx), file.SHA256); rerr != nil {
				a.log.Warn("refused upload not removed", "request_id", requestID(c), "err", rerr)
			}
		}
		return rec, err
	}
	return a.store.RecordEmployment(ctx, currentUser(c), id, in, nil, a.now())
}

// putEvidence checks an uploaded scan by its bytes and stores it by its SHA-256, so the same
// scan is kept once; created says whether this call stored it.
func (a *App) putEvidence(ctx context.Context, fh *multipart.FileHeader) (*models.EvidenceFile, bool, error) {
	if fh.Size > maxEvidence {
		return nil, false, &models.Error{Code: models.ErrTooLarge, Message: "evidence_file is over 10 MB", Fields: map[string]string{"evidence_file": "must be at most 10 MB"}}
	}
	f, err := fh.Open()
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, maxEvidence+1))
	if err != nil {
		return nil, false, err
	}
	if len(content) > maxEvidence {
		return nil, false, &models.Error{Code: models.ErrTooLarge, Message: "evidence_file is over 10 MB", Fields: map[string]string{"evidence_file": "must be at most 10 MB"}}
	}
	kind := http.DetectContentType(content[:min(len(content), 512)])
	ext, ok := evidenceTypes[kind]
	if !ok {
		return nil, false, &models.Error{Code: models.ErrInvalid, Message: "evidence_file must be a PDF, JPEG or PNG (this one looks like " + kind + ")",
			Fields: map[string]string{"evidence_file": "must be a PDF, JPEG or PNG"}}
	}
	h := sha256.Sum256(content)
	sum := hex.EncodeToString(h[:])
	created, err := a.files().Put(ctx, sum, kind, content)
	if err != nil {
		return nil, false, err
	}
	name := filepath.Base(fh.Filename)
	if runes := []rune(name); len(runes) > maxFileNameRunes { // cut at a character: PostgreSQL refuses half of one
		name = string(runes[:maxFileNameRunes])
	}
	return &models.EvidenceFile{SHA256: sum, Type: kind, Name: strings.TrimSuffix(name, filepath.Ext(name)) + ext}, created, nil
}

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
	r, err := a.files().Open(c.UserContext(), rec.FileSHA256)
	if err != nil {
		return err
	}
	defer r.Close()
	content, err := io.ReadAll(io.LimitReader(r, maxEvidence+1))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, rec.FileType)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="evidence-`+rec.FileSHA256[:12]+evidenceTypes[rec.FileType]+`"`)
	return c.Send(content)
}
