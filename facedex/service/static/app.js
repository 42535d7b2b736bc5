// facedex search page: photo in, faces boxed, matches in a grid, more on scroll, share.
"use strict";
const $ = (id) => document.getElementById(id);
const state = { query: null, cursor: null, loading: false, photoFile: null, url: null, faces: [] };

function status(text, isError) {
  const el = $("status");
  el.textContent = text || "";
  el.className = isError ? "error" : "";
}

async function api(path, opts) {
  const res = await fetch(path, opts);
  let body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  if (!res.ok) {
    const msg = body && body.message ? body.message : "request failed (" + res.status + ")";
    const retry = res.headers.get("Retry-After");
    throw new Error(retry ? msg + " — retry in " + retry + " s" : msg);
  }
  return body;
}

function form(fields) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v !== null && v !== undefined) fd.append(k, v);
  return { method: "POST", body: fd };
}

async function searchPhoto(face) {
  status("Searching…");
  const fields = { k: 24, face: face === undefined ? "largest" : String(face) };
  if (state.photoFile) fields.image = state.photoFile; else fields.url = state.url;
  try {
    const r = await api("/search", form(fields));
    state.faces = r.faces;
    drawBoxes(r.chosen);
    showResults(r, false);
  } catch (e) { status(e.message, true); }
}

function drawBoxes(chosen) {
  const stage = $("stage"), img = $("photo");
  stage.querySelectorAll(".box").forEach((b) => b.remove());
  const place = () => {
    const sx = img.clientWidth / img.naturalWidth, sy = img.clientHeight / img.naturalHeight;
    state.faces.forEach((f, i) => {
      const b = document.createElement("button");
      b.className = "box";
      b.type = "button";
      b.dataset.face = String(i);
      b.setAttribute("aria-label", "Face " + (i + 1) + " of " + state.faces.length);
      b.setAttribute("aria-pressed", String(i === chosen));
      b.style.left = f.box[0] * sx + "px"; b.style.top = f.box[1] * sy + "px";
      b.style.width = (f.box[2] - f.box[0]) * sx + "px"; b.style.height = (f.box[3] - f.box[1]) * sy + "px";
      b.addEventListener("click", () => searchPhoto(i));
      stage.appendChild(b);
    });
  };
  if (img.complete && img.naturalWidth) place(); else img.onload = place;
}

function card(m) {
  const li = document.createElement("li");
  const img = document.createElement("img");
  img.src = m.crop_url; img.alt = "Matching face " + m.face_id; img.loading = "lazy";
  img.width = 150; img.height = 150;
  const sim = document.createElement("div");
  const pct = document.createElement("span");
  pct.className = "sim"; pct.textContent = Math.round(m.similarity * 100) + "% ";
  const badge = document.createElement("span");
  badge.className = m.same_person ? "badge" : "badge no";
  badge.textContent = m.same_person ? "same person" : "different";
  sim.append(pct, badge);
  const a = document.createElement("a");
  a.className = "src";
  const href = m.page_url || (/^https?:/.test(m.source) ? m.source : null);
  a.textContent = m.caption || m.source.split("/").pop();
  a.title = m.source;
  if (href) { a.href = href; a.rel = "noopener noreferrer"; a.target = "_blank"; }
  li.dataset.faceId = String(m.face_id);
  li.dataset.samePerson = String(m.same_person);
  li.append(img, sim, a);
  return li;
}

function showResults(r, append) {
  state.query = r.query; state.cursor = r.next_cursor;
  $("results").hidden = false;
  if (!append) { $("grid").replaceChildren(); $("sharelink").textContent = ""; }
  r.matches.forEach((m) => $("grid").appendChild(card(m)));
  const n = $("grid").children.length;
  status(n ? n + " match" + (n === 1 ? "" : "es") + (state.faces.length ? " · " + state.faces.length + " face(s) in your photo" : "")
           : "No matches in the index.");
}

async function more() {
  if (!state.cursor || state.loading) return;
  state.loading = true;
  try { showResults(await api("/search", form({ cursor: state.cursor, k: 24 })), true); }
  catch (e) { status(e.message, true); }
  finally { state.loading = false; }
}

function usePhoto(file) {
  if (!file || !file.type.startsWith("image/")) { status("That is not an image file.", true); return; }
  state.photoFile = file; state.url = null;
  $("photo").src = URL.createObjectURL(file);
  $("query").hidden = false;
  searchPhoto();
}

async function openShare(token) {
  status("Opening shared results…");
  try {
    const r = await api("/shares/" + encodeURIComponent(token));
    $("drop").hidden = true;
    $("results-title").textContent = "Shared results";
    showResults(r, false);
  } catch (e) { status(e.message, true); }
}

function init() {
  const drop = $("drop");
  $("file").addEventListener("change", (e) => usePhoto(e.target.files[0]));
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); usePhoto(e.dataTransfer.files[0]); });
  document.addEventListener("paste", (e) => {
    const item = [...e.clipboardData.items].find((i) => i.type.startsWith("image/"));
    if (item) usePhoto(item.getAsFile());
  });
  $("urlform").addEventListener("submit", (e) => {
    e.preventDefault();
    const url = $("url").value.trim();
    if (!url) return;
    state.url = url; state.photoFile = null;
    $("query").hidden = true;
    searchPhoto();
  });
  $("share").addEventListener("click", async () => {
    try {
      const r = await api("/shares", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ query: state.query, count: Math.max(24, $("grid").children.length) }) });
      const link = location.origin + r.url;
      const a = document.createElement("a"); a.href = link; a.textContent = link; a.id = "sharehref";
      $("sharelink").replaceChildren(a);
      if (navigator.clipboard) navigator.clipboard.writeText(link).catch(() => {});
    } catch (e) { status(e.message, true); }
  });
  new IntersectionObserver((es) => { if (es.some((e) => e.isIntersecting)) more(); }).observe($("more"));
  const m = location.pathname.match(/^\/s\/([\w-]+)$/);
  if (m) openShare(m[1]);
}
init();
