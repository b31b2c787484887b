// The product page and index HTML, rendered as the original's Jinja templates render them.
// istio/istio samples/bookinfo/src/productpage/templates/productpage.html and index.html (the Bootstrap 3
// look, up to commit 2f6cb4f4e78; later versions moved to Tailwind)
import { escapeHtml } from '../http-server.js';

export interface Product {
  id: number;
  title: string;
  descriptionHtml: string;
}

interface Review {
  reviewer?: unknown;
  text?: unknown;
  rating?: { stars?: unknown; color?: unknown; error?: unknown };
}

const HEAD = (title: string) => `<!DOCTYPE html>
<html>
<head>
<title>${title}</title>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<!-- Latest compiled and minified CSS -->
<link rel="stylesheet" href="static/bootstrap/css/bootstrap.min.css">
<!-- Optional theme -->
<link rel="stylesheet" href="static/bootstrap/css/bootstrap-theme.min.css">
</head>
<body>
`;

const SCRIPTS = `<!-- Latest compiled and minified JavaScript -->
<script src="static/jquery.min.js"></script>
<!-- Latest compiled and minified JavaScript -->
<script src="static/bootstrap/js/bootstrap.min.js"></script>
`;

/** productpage.html only: focus the user name when the sign-in modal opens. */
const MODAL_SCRIPT = `<script type="text/javascript">
  $('#login-modal').on('shown.bs.modal', function () {
    $('#username').focus();
  });
</script>
`;

const text = (v: unknown): string => escapeHtml(v === undefined || v === null ? '' : String(v));

function renderStars(rating: { stars?: unknown; color?: unknown }): string {
  const stars = Math.max(0, Math.min(5, Math.trunc(Number(rating.stars))));
  const full = '          <span class="glyphicon glyphicon-star"></span>\n'.repeat(stars);
  const empty = '          <span class="glyphicon glyphicon-star-empty"></span>\n'.repeat(
    5 - stars,
  );
  return `        <font color="${text(rating.color)}">
          <!-- full stars: -->
${full}          <!-- empty stars: -->
${empty}        </font>
`;
}

function renderReview(review: Review): string {
  let rating = '';
  const r = review.rating;
  // {% if review.rating.stars: %} ... {% elif review.rating.error: %}
  if (r && typeof r === 'object') {
    if (r.stars) rating = renderStars(r);
    else if (r.error) rating = `        <p><i>${text(r.error)}</i></p>\n`;
  }
  return `      <blockquote>
        <p>${text(review.text)}</p>
        <small>${text(review.reviewer)}</small>
${rating}      </blockquote>
`;
}

export interface ProductPageModel {
  product: Product | undefined;
  detailsStatus: number;
  details: Record<string, unknown>;
  reviewsStatus: number;
  reviews: Record<string, unknown>;
  user: string;
}

export function renderProductPage(m: ProductPageModel): string {
  const userBlock = m.user
    ? `    <p class="navbar-text navbar-right">
      <i class="glyphicon glyphicon-user" aria-hidden="true"></i>
      <span style="padding-left: 5px;">${text(m.user)} ( <a href="logout">sign out</a> )</span>
    </p>`
    : `    <button type="button" class="btn btn-default navbar-btn navbar-right" data-toggle="modal" href="#login-modal">Sign
      in</button>`;
  const d = m.details;
  const detailsBlock =
    m.detailsStatus === 200
      ? `      <h4 class="text-center text-primary">Book Details</h4>
      <dl>
        <dt>Type:</dt>${text(d.type)}
        <dt>Pages:</dt>${text(d.pages)}
        <dt>Publisher:</dt>${text(d.publisher)}
        <dt>Language:</dt>${text(d.language)}
        <dt>ISBN-10:</dt>${text(d['ISBN-10'])}
        <dt>ISBN-13:</dt>${text(d['ISBN-13'])}
      </dl>`
      : `      <h4 class="text-center text-primary">Error fetching product details!</h4>
      <p>${text(d.error)}</p>`;
  const list = Array.isArray(m.reviews.reviews) ? (m.reviews.reviews as Review[]) : [];
  const reviewsBlock =
    m.reviewsStatus === 200
      ? `      <h4 class="text-center text-primary">Book Reviews</h4>
${list.map(renderReview).join('')}      <dl>
        <dt>Reviews served by:</dt>
        <u>${text(m.reviews.podname)}</u>
${
  m.reviews.clustername !== undefined && m.reviews.clustername !== 'null'
    ? `        on cluster <u>${text(m.reviews.clustername)}</u>
`
    : ''
}      </dl>`
      : `      <h4 class="text-center text-primary">Error fetching product reviews!</h4>
      <p>${text(m.reviews.error)}</p>`;
  return `${HEAD('Simple Bookstore App')}
<nav class="navbar navbar-inverse navbar-static-top">
  <div class="container">
    <div class="navbar-header">
      <a class="navbar-brand" href="#">BookInfo Sample</a>
    </div>
${userBlock}
  </div>
</nav>

<div id="login-modal" class="modal fade" role="dialog">
  <div class="modal-dialog">
    <div class="modal-content">
      <div class="modal-header">
        <button type="button" class="close" data-dismiss="modal">&times;</button>
        <h4 class="modal-title">Please sign in</h4>
      </div>
      <div class="modal-body">
        <form method="post" action='login' name="login_form">
          <p><input type="text" class="form-control" name="username" id="username" placeholder="User Name"></p>
          <p><input type="password" class="form-control" name="passwd" placeholder="Password"></p>
          <p>
            <button type="submit" class="btn btn-primary">Sign in</button>
            <button type="button" class="btn btn-default" data-dismiss="modal">Cancel</button>
          </p>
        </form>
      </div>
    </div>

  </div>
</div>

<div class="container-fluid">
  <div class="row">
    <div class="col-md-12">
      <h3 class="text-center text-primary">${text(m.product?.title)}</h3>
      <p>Summary: ${m.product?.descriptionHtml ?? ''}</p>
    </div>
  </div>

  <div class="row">
    <div class="col-md-6">
${detailsBlock}
    </div>

    <div class="col-md-6">
${reviewsBlock}
    </div>
  </div>
</div>
${SCRIPTS}${MODAL_SCRIPT}</body>
</html>
`;
}

/** json2html of productpage's service tree, as index() renders it. */
function serviceTable(node: Record<string, unknown>): string {
  const rows = Object.entries(node)
    .map(([k, v]) => {
      const cell = Array.isArray(v)
        ? v.length === 0
          ? ''
          : `<ul>${v.map((c) => `<li>${serviceTable(c as Record<string, unknown>)}</li>`).join('')}</ul>`
        : text(v);
      return `<tr><th>${text(k)}</th><td>${cell}</td></tr>`;
    })
    .join('');
  return `<table class="table table-condensed table-bordered table-hover">${rows}</table>`;
}

export function renderIndex(tree: Record<string, unknown>): string {
  return `${HEAD('Simple Bookstore App')}    <p><h3>Hello! This is a simple bookstore application consisting of three services as shown below</h3></p>
    ${serviceTable(tree)}
    <p><h4>Click on one of the links below to auto generate a request to the backend as a real user or a tester
    </h4></p>
    <p><a href="/productpage?u=normal">Normal user</a></p>
    <p><a href="/productpage?u=test">Test user</a></p>
${SCRIPTS}</body>
</html>
`;
}
