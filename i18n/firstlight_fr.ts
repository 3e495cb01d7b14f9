<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
  <context>
    <name>FirstLight</name>
    <message>
      <location filename="../firstlight_qgis/__init__.py" line="22" />
      <source>FirstLight needs Python {0}.{1} or newer and this QGIS runs Python {2}.{3}: install QGIS 3.34 or newer.</source>
      <translation>FirstLight a besoin de Python {0}.{1} ou plus récent et ce QGIS utilise Python {2}.{3} : installez QGIS 3.34 ou plus récent.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/area.py" line="164" />
      <source>canvas extent</source>
      <translation>emprise du canevas</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/area.py" line="107" />
      <location filename="../firstlight_qgis/gui/area.py" line="111" />
      <location filename="../firstlight_qgis/gui/area.py" line="123" />
      <source>The area is empty: draw a rectangle or a polygon with some size.</source>
      <translation>La zone est vide : dessinez un rectangle ou un polygone d'une certaine taille.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/area.py" line="114" />
      <source>The area has no valid coordinate reference system: set the project's or layer's CRS.</source>
      <translation>La zone n'a pas de système de coordonnées de référence valide : définissez le SCR du projet ou de la couche.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/area.py" line="135" />
      <source>No layer is chosen: pick a layer in the list first.</source>
      <translation>Aucune couche n'est choisie : choisissez d'abord une couche dans la liste.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/area.py" line="144" />
      <source>Selected features need a vector layer: pick one in the list first.</source>
      <translation>Les entités sélectionnées demandent une couche vecteur : choisissez-en d'abord une dans la liste.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/area.py" line="137" />
      <source>extent of {layer}</source>
      <translation>emprise de {layer}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/area.py" line="159" />
      <source>{count} selected features of {layer}</source>
      <translation>{count} entités sélectionnées de {layer}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/area.py" line="149" />
      <source>The layer {layer} has no selected feature: select some features first.</source>
      <translation>La couche {layer} n'a aucune entité sélectionnée : sélectionnez d'abord des entités.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/area.py" line="62" />
      <source>The area could not be converted from {source} to {target}: check the layer's CRS.</source>
      <translation>La zone n'a pas pu être convertie de {source} en {target} : vérifiez le SCR de la couche.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="137" />
      <source>Coastal flood</source>
      <translation>Inondation côtière</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="138" />
      <source>Riverine flood</source>
      <translation>Crue fluviale</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="139" />
      <source>Flash flood</source>
      <translation>Crue éclair</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="140" />
      <source>Wildfire burn scar</source>
      <translation>Cicatrice d'incendie</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="141" />
      <source>Drought (vegetation)</source>
      <translation>Sécheresse (végétation)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="147" />
      <source>{area} km²</source>
      <translation>{area} km²</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="167" />
      <source>downloading</source>
      <translation>téléchargement</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="168" />
      <location filename="../firstlight_qgis/processing/ingest.py" line="157" />
      <source>retrying</source>
      <translation>nouvelle tentative</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="169" />
      <location filename="../firstlight_qgis/processing/ingest.py" line="154" />
      <source>done</source>
      <translation>terminé</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="170" />
      <source>already there</source>
      <translation>déjà présent</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="171" />
      <location filename="../firstlight_qgis/processing/ingest.py" line="156" />
      <source>failed</source>
      <translation>échec</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="206" />
      <location filename="../firstlight_qgis/gui/launcher.py" line="37" />
      <location filename="../firstlight_qgis/gui/messages.py" line="50" />
      <location filename="../firstlight_qgis/processing/provider.py" line="28" />
      <source>FirstLight</source>
      <translation>FirstLight</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="247" />
      <location filename="../firstlight_qgis/processing/ingest.py" line="186" />
      <source>Band {band}: {status}</source>
      <translation>Bande {band} : {status}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="249" />
      <location filename="../firstlight_qgis/processing/ingest.py" line="199" />
      <source>Band {band}: {percent} %</source>
      <translation>Bande {band} : {percent} %</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="251" />
      <location filename="../firstlight_qgis/processing/ingest.py" line="672" />
      <source>Ingesting scene {n}/{total}: {id} ({sensor}, {date}, {mode}).</source>
      <translation>Import de la scène {n}/{total} : {id} ({sensor}, {date}, {mode}).</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="278" />
      <source>1. Area</source>
      <translation>1. Zone</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="281" />
      <source>Rectangle</source>
      <translation>Rectangle</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="281" />
      <source>Draw a rectangle: press, drag, release</source>
      <translation>Dessiner un rectangle : appuyer, faire glisser, relâcher</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="284" />
      <source>Polygon</source>
      <translation>Polygone</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="284" />
      <source>Draw a polygon: click the corners, right-click to finish, Esc to cancel</source>
      <translation>Dessiner un polygone : cliquer sur les sommets, clic droit pour terminer, Échap pour annuler</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="286" />
      <source>Map view</source>
      <translation>Vue de la carte</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="287" />
      <source>Use the extent of the map as it is shown now</source>
      <translation>Utiliser l'emprise de la carte telle qu'elle est affichée</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="298" />
      <source>A layer whose extent or selected features give the area</source>
      <translation>Une couche dont l'emprise ou les entités sélectionnées donnent la zone</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="299" />
      <source>Layer extent</source>
      <translation>Emprise de la couche</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="300" />
      <source>Selected features</source>
      <translation>Entités sélectionnées</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="307" />
      <source>Clear</source>
      <translation>Effacer</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="326" />
      <source>2. Search</source>
      <translation>2. Recherche</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="332" />
      <location filename="../firstlight_qgis/processing/parameters.py" line="110" />
      <source>Event</source>
      <translation>Événement</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="335" />
      <source>Dates</source>
      <translation>Dates</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="340" />
      <source>The latest clear scene between these dates (at most 10% cloud, else the clearest), before the event, is ingested too; each scene gets its change since: a flood's extent, a burn scar's dNBR and burn severity</source>
      <translation>La dernière scène claire entre ces dates (au plus 10 % de nuages, sinon la moins nuageuse), avant l'événement, est importée aussi ; chaque scène en tire son changement depuis : l'étendue d'une inondation, le dNBR et la sévérité du brûlis d'une cicatrice d'incendie</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="347" />
      <source>Compare with an earlier scene (flood extent)</source>
      <translation>Comparer avec une scène antérieure (étendue de l'inondation)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="348" />
      <source>Compare with an earlier scene (dNBR)</source>
      <translation>Comparer avec une scène antérieure (dNBR)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="351" />
      <source>Before</source>
      <translation>Avant</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="367" />
      <source>Optical scenes cloudier than this are left out</source>
      <translation>Les scènes optiques plus nuageuses sont écartées</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="368" />
      <source>Max cloud</source>
      <translation>Nuages max.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="369" />
      <source>Over the area (reads each scene's cloud mask)</source>
      <translation>Sur la zone (lit le masque de nuages de chaque scène)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="371" />
      <source>The maximum cloud cover and the ranking go by the cloud over your area, from each optical scene's own cloud mask, not by the catalog's figure for the whole scene: a cloudy scene may be clear over your area. Adds a small read per scene found</source>
      <translation>La couverture nuageuse maximale et le classement suivent les nuages sur votre zone, d'après le masque de nuages de chaque scène optique, et non le chiffre du catalogue pour toute la scène : une scène nuageuse peut être dégagée sur votre zone. Ajoute une petite lecture par scène trouvée</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="380" />
      <source>Earth Search v1 (AWS, no account)</source>
      <translation>Earth Search v1 (AWS, sans compte)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="381" />
      <source>Microsoft Planetary Computer</source>
      <translation>Microsoft Planetary Computer</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="382" />
      <source>Custom STAC API URL</source>
      <translation>URL d'API STAC personnalisée</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="383" />
      <source>Local catalog file</source>
      <translation>Fichier de catalogue local</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="384" />
      <location filename="../firstlight_qgis/processing/parameters.py" line="186" />
      <source>Catalog</source>
      <translation>Catalogue</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="387" />
      <source>STAC API URL</source>
      <translation>URL de l'API STAC</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="391" />
      <source>STAC catalogs (*.json *.geojson);;All files (*)</source>
      <translation>Catalogues STAC (*.json *.geojson);;Tous les fichiers (*)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="392" />
      <source>Local STAC catalog, collection or ItemCollection</source>
      <translation>Catalogue, collection ou ItemCollection STAC local</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="393" />
      <source>Catalog file</source>
      <translation>Fichier de catalogue</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="397" />
      <source>Search</source>
      <translation>Rechercher</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="440" />
      <source>3. Scenes</source>
      <translation>3. Scènes</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="488" />
      <source>4. Ingest</source>
      <translation>4. Import</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="493" />
      <source>Folder for the bands, stacks and indices</source>
      <translation>Dossier des bandes, des piles et des indices</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="494" />
      <location filename="../firstlight_qgis/processing/ingest.py" line="404" />
      <source>Output folder</source>
      <translation>Dossier de sortie</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="496" />
      <source>Clip to the area (reads only its pixels)</source>
      <translation>Découper à la zone (ne lit que ses pixels)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="497" />
      <source>Off downloads whole band files, 100-250 MB each for Sentinel-2</source>
      <translation>Désactivé, télécharge les fichiers de bandes entiers, 100 à 250 Mo chacun pour Sentinel-2</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="498" />
      <location filename="../firstlight_qgis/processing/ingest.py" line="373" />
      <source>Skip validation (faster, result may lack NIR/SWIR)</source>
      <translation>Ignorer la validation (plus rapide, le résultat peut manquer de PIR/SWIR)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="500" />
      <source>Accepts scenes lacking a band and stacks that fail their checks: unfit for analysis</source>
      <translation>Accepte les scènes auxquelles il manque une bande et les piles qui échouent aux contrôles : inutilisable pour l'analyse</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="502" />
      <source>Mosaic the scenes (one layer per product)</source>
      <translation>Mosaïquer les scènes (une couche par produit)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="504" />
      <source>With two scenes or more of one day (an area over two tiles): their products also as one raster each, in the output folder's mosaic folder, areas counted once</source>
      <translation>Avec deux scènes ou plus d'un même jour (une zone sur deux tuiles) : leurs produits aussi en un raster chacun, dans le dossier mosaic du dossier de sortie, les surfaces comptées une seule fois</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="509" />
      <location filename="../firstlight_qgis/processing/ingest.py" line="337" />
      <source>Polygons of the flood, burn or water (GeoPackage)</source>
      <translation>Polygones de l'inondation, du brûlis ou de l'eau (GeoPackage)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="511" />
      <source>Also the flood extent, burn severity or else the water mask as polygons, with their class and area, patches under 0.1 ha merged into their surroundings: for a report or a map</source>
      <translation>Aussi l'étendue de l'inondation, la sévérité du brûlis ou sinon le masque d'eau en polygones, avec leur classe et leur surface, les taches de moins de 0,1 ha fondues dans leur voisinage : pour un rapport ou une carte</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="522" />
      <source>Ingest</source>
      <translation>Importer</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="523" />
      <source>Download, stack, validate and index the selected scenes</source>
      <translation>Télécharger, empiler, valider et indicer les scènes sélectionnées</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="525" />
      <source>Cancel</source>
      <translation>Annuler</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="530" />
      <source>Map layout</source>
      <translation>Mise en page</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="532" />
      <source>A print layout of the last ingest: its map with the scene's layers shown, what it found in km², the scenes, legend, scale bar and the imagery's credit; opened in the layout designer</source>
      <translation>Une mise en page de la dernière ingestion : sa carte avec les couches affichées de la scène, ce qu'elle a trouvé en km², les scènes, la légende, l'échelle et le crédit des images ; ouverte dans le concepteur de mise en page</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="827" />
      <source>drawn rectangle</source>
      <translation>rectangle dessiné</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="827" />
      <source>drawn polygon</source>
      <translation>polygone dessiné</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="835" />
      <source>Drawing cancelled; the area is unchanged.</source>
      <translation>Dessin annulé ; la zone est inchangée.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="894" />
      <source>The scenes were searched with other dates, cloud cover or catalog than those shown: press Search again.</source>
      <translation>Les scènes ont été cherchées avec d'autres dates, couverture nuageuse ou catalogue que ceux affichés : appuyez à nouveau sur Rechercher.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1032" />
      <source>1 scene found and selected: press Ingest to put it on the map.</source>
      <translation>1 scène trouvée et sélectionnée : cliquez sur Importer pour l'afficher sur la carte.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1044" />
      <source>The search for a scene from before the event was cancelled; the ingest searches again.</source>
      <translation>La recherche d'une scène d'avant l'événement a été annulée ; l'import cherche à nouveau.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1054" />
      <source>The search for a scene from before the event failed; the ingest searches again.</source>
      <translation>La recherche d'une scène d'avant l'événement a échoué ; l'ingestion cherche à nouveau.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1061" />
      <source>The earlier scene's dates or the area changed during the search: the ingest looks for the scene from before the event itself.</source>
      <translation>Les dates de la scène antérieure ou la zone ont changé pendant la recherche : l'import cherche lui-même la scène d'avant l'événement.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1163" />
      <source>none</source>
      <translation>aucune</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1456" />
      <source>Ingest cancelled</source>
      <translation>Import annulé</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="154" />
      <source>waiting</source>
      <translation>en attente</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="195" />
      <source>stopped</source>
      <translation>arrêté</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="428" />
      <source>to</source>
      <translation>au</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="547" />
      <source>Band</source>
      <translation>Bande</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="547" />
      <source>Status</source>
      <translation>État</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="547" />
      <source>Progress</source>
      <translation>Progression</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="716" />
      <source>The custom catalog needs the URL of a STAC API, starting with https://.</source>
      <translation>Le catalogue personnalisé demande l'URL d'une API STAC, commençant par https://.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="718" />
      <source>Choose an existing local catalog file (catalog.json or an ItemCollection).</source>
      <translation>Choisissez un fichier de catalogue local existant (catalog.json ou une ItemCollection).</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="763" />
      <source>No area yet: draw a rectangle or polygon, or take a layer's or the map's extent.</source>
      <translation>Pas encore de zone : dessinez un rectangle ou un polygone, ou prenez l'emprise d'une couche ou de la carte.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="772" />
      <source>unknown size</source>
      <translation>taille inconnue</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="809" />
      <source>Draw the rectangle on the map: press, drag and release. Esc cancels.</source>
      <translation>Dessinez le rectangle sur la carte : appuyez, faites glisser et relâchez. Échap annule.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="811" />
      <source>Click the corners of the polygon on the map; right-click finishes, Esc cancels.</source>
      <translation>Cliquez sur les sommets du polygone sur la carte ; le clic droit termine, Échap annule.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="845" />
      <source>Set an area first: draw a rectangle or polygon, or take a layer's or the map's extent.</source>
      <translation>Définissez d'abord une zone : dessinez un rectangle ou un polygone, ou prenez l'emprise d'une couche ou de la carte.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="863" />
      <source>The end date is before the start date: pick an end date on or after it.</source>
      <translation>La date de fin est avant la date de début : choisissez une date de fin égale ou postérieure.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="951" />
      <source>The earlier scene's end date is before its start date: pick an end date on or after it.</source>
      <translation>La date de fin de la scène antérieure précède sa date de début : choisissez une date de fin égale ou postérieure.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="972" />
      <source>Search cancelled.</source>
      <translation>Recherche annulée.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="973" />
      <source>Search cancelled; the scenes table is unchanged.</source>
      <translation>Recherche annulée ; le tableau des scènes est inchangé.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1019" />
      <source>No scene covers the area for these dates and cloud cover: widen the dates or raise the maximum cloud cover.</source>
      <translation>Aucune scène ne couvre la zone pour ces dates et cette couverture nuageuse : élargissez les dates ou augmentez la couverture nuageuse maximale.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1028" />
      <source>{count} scenes found; the best is selected. Pick one or more and press Ingest.</source>
      <translation>{count} scènes trouvées ; la meilleure est sélectionnée. Choisissez-en une ou plusieurs et cliquez sur Importer.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1075" />
      <source>{count} scenes from before the event: the one to compare with is chosen under the table.</source>
      <translation>{count} scènes d'avant l'événement : celle à comparer se choisit sous le tableau.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1164" />
      <source>{id}: {sensor}, {date}; bands {bands}</source>
      <translation>{id} : {sensor}, {date} ; bandes {bands}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1180" />
      <source>Loading the preview…</source>
      <translation>Chargement de l'aperçu…</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1209" />
      <source>Choose an output folder for the bands, stacks and indices.</source>
      <translation>Choisissez un dossier de sortie pour les bandes, les piles et les indices.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1222" />
      <source>Search first, then select one or more scenes in the table.</source>
      <translation>Lancez d'abord une recherche, puis sélectionnez une ou plusieurs scènes dans le tableau.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1266" />
      <source>The output folder cannot be created: choose another one.</source>
      <translation>Le dossier de sortie ne peut pas être créé : choisissez-en un autre.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1423" />
      <source>Ingest a scene first: its layers make the map.</source>
      <translation>Ingérez d'abord une scène : ses couches font la carte.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1427" />
      <source>The layers of the last ingest are no longer in the project: ingest again to map them.</source>
      <translation>Les couches du dernier import ne sont plus dans le projet : importez à nouveau pour les cartographier.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1462" />
      <source>{stopped}: {kept} of {total} band files ({bands}) were complete and kept in {folder}; Ingest again reuses them.</source>
      <translation>{stopped} : {kept} fichiers de bandes sur {total} ({bands}) étaient complets et sont conservés dans {folder} ; un nouvel import les réutilise.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="598" />
      <source>last session</source>
      <translation>dernière session</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="773" />
      <source>Area: {size} ({source})</source>
      <translation>Zone : {size} ({source})</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="887" />
      <source>The scenes were searched for {searched}; the event is now {shown}: press Search again.</source>
      <translation>Les scènes ont été cherchées pour « {searched} » ; l'événement est maintenant « {shown} » : appuyez à nouveau sur Rechercher.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="939" />
      <source>Searching {catalog}…</source>
      <translation>Recherche dans {catalog}…</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="975" />
      <source>The search failed.</source>
      <translation>La recherche a échoué.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="994" />
      <source>The search results could not be read: run the search again.</source>
      <translation>Les résultats de la recherche n'ont pas pu être lus : relancez la recherche.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1071" />
      <source>No scene from before the event covers the area between {start} and {end}: widen the earlier scene's dates or raise the maximum cloud cover.</source>
      <translation>Aucune scène d'avant l'événement ne couvre la zone entre le {start} et le {end} : élargissez les dates de la scène antérieure ou augmentez la couverture nuageuse maximale.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1168" />
      <source>; missing {bands}</source>
      <translation> ; manquent {bands}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1197" />
      <source>No preview for {href}: {reason}</source>
      <translation>Pas d'aperçu pour {href} : {reason}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1200" />
      <source>No preview available.</source>
      <translation>Aucun aperçu disponible.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1287" />
      <source>Ingesting {scenes}…</source>
      <translation>Import de {scenes}…</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1355" />
      <source>The ingest failed.</source>
      <translation>L'import a échoué.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1385" />
      <source>Added to the map {names}. {summary} The files are in {folder}.</source>
      <translation>Ajouté à la carte : {names}. {summary} Les fichiers sont dans {folder}.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1389" />
      <source>Added to the map {names}. The files are in {folder}.</source>
      <translation>Ajouté à la carte : {names}. Les fichiers sont dans {folder}.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1437" />
      <source>FirstLight {name}</source>
      <translation>FirstLight {name}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1458" />
      <source>Ingest cancelled (stopped in {seconds:.1f} s)</source>
      <translation>Import annulé (arrêté en {seconds:.1f} s)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1461" />
      <source>{stopped}: no band was complete yet, so nothing was kept.</source>
      <translation>{stopped} : aucune bande n'était encore complète, rien n'a donc été conservé.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1496" />
      <source>Running {id} with {parameters}</source>
      <translation>Exécution de {id} avec {parameters}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1526" />
      <source>Cancelling…</source>
      <translation>Annulation…</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1049" />
      <source>The search for a scene from before the event failed: {errors}</source>
      <translation>La recherche d'une scène d'avant l'événement a échoué : {errors}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1213" />
      <source>The output folder {folder} is not a full path: choose one with the … button, or type its full path.</source>
      <translation>Le dossier de sortie {folder} n'est pas un chemin complet : choisissez-en un avec le bouton …, ou saisissez son chemin complet.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1295" />
      <source>{count} layers read files of {scenes}: closed while the ingest replaces them, opened again when it ends.</source>
      <translation>{count} couches lisent des fichiers de {scenes} : fermées pendant que l’ingestion les remplace, rouvertes à la fin.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1372" />
      <source>The ingest finished but produced no layer to show; the files are in {folder}.</source>
      <translation>L'import est terminé mais n'a produit aucune couche à afficher ; les fichiers sont dans {folder}.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1378" />
      <source>{scene}: {layers}</source>
      <translation>{scene} : {layers}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="1393" />
      <source>{count} warnings in the FirstLight log.</source>
      <translation>{count} avertissements dans le journal FirstLight.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/dock.py" line="771" />
      <source>Could not measure the area: {error}</source>
      <translation>Impossible de mesurer la zone : {error}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/launcher.py" line="32" />
      <source>&amp;FirstLight</source>
      <translation>&amp;FirstLight</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/launcher.py" line="39" />
      <source>FirstLight: satellite imagery for an area and an event</source>
      <translation>FirstLight : imagerie satellite pour une zone et un événement</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/layers.py" line="190" />
      <source>FirstLight scenes</source>
      <translation>Scènes FirstLight</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/layers.py" line="221" />
      <source>FirstLight figures</source>
      <translation>Chiffres FirstLight</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/layers.py" line="99" />
      <source>Could not open {path} as a layer.</source>
      <translation>Impossible d'ouvrir {path} comme couche.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/layout.py" line="124" />
      <source>Processed with FirstLight for QGIS.</source>
      <translation>Traité avec FirstLight pour QGIS.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/layout.py" line="253" />
      <source>Legend</source>
      <translation>Légende</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/layout.py" line="123" />
      <source>Landsat imagery courtesy of the U.S. Geological Survey.</source>
      <translation>Images Landsat : avec l'aimable autorisation de l'U.S. Geological Survey.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/layout.py" line="98" />
      <source>{id}: {sensor}, {date}.</source>
      <translation>{id} : {sensor}, {date}.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/layout.py" line="104" />
      <source>{event}, {date}</source>
      <translation>{event}, {date}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/layout.py" line="120" />
      <source>Contains modified Copernicus Sentinel data {years}.</source>
      <translation>Contient des données Copernicus Sentinel modifiées {years}.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/pre_event.py" line="43" />
      <source>Compared with {id}: {sensor}, {date}.</source>
      <translation>Comparée avec {id} : {sensor}, {date}.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/pre_event.py" line="56" />
      <source>Compare with</source>
      <translation>Comparer avec</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/pre_event.py" line="61" />
      <source>The scene from before the event each scene is compared with. Automatic: the latest clear one, seen as the first selected scene is (same tile or orbit)</source>
      <translation>La scène d'avant l'événement avec laquelle chaque scène est comparée. Automatique : la plus récente dégagée, vue comme la première scène sélectionnée (même tuile ou orbite)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/pre_event.py" line="106" />
      <source>Automatic (the latest clear scene)</source>
      <translation>Automatique (la scène dégagée la plus récente)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/pre_event.py" line="30" />
      <source>{cloud:.1f}% cloud over the area</source>
      <translation>{cloud:.1f} % de nuages sur la zone</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/pre_event.py" line="34" />
      <source>{cover:.0f}% of the area</source>
      <translation>{cover:.0f} % de la zone</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/pre_event.py" line="104" />
      <source>Automatic: {scene}</source>
      <translation>Automatique : {scene}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/pre_event.py" line="32" />
      <source>{cloud:.1f}% cloud</source>
      <translation>{cloud:.1f} % de nuages</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/pre_event.py" line="85" />
      <source>No scene found between {start} and {end}</source>
      <translation>Aucune scène trouvée entre le {start} et le {end}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/runner.py" line="66" />
      <source>The Processing algorithm {id} is not available: enable the FirstLight plugin again.</source>
      <translation>L'algorithme de traitement {id} n'est pas disponible : réactivez l'extension FirstLight.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/runner.py" line="82" />
      <source>The parameters of {id} are not valid.</source>
      <translation>Les paramètres de {id} ne sont pas valides.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/scenes.py" line="46" />
      <source>n/a</source>
      <translation>n.d.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/scenes.py" line="58" />
      <source>#</source>
      <translation>#</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/scenes.py" line="59" />
      <source>Date</source>
      <translation>Date</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/scenes.py" line="60" />
      <location filename="../firstlight_qgis/processing/index.py" line="117" />
      <source>Sensor</source>
      <translation>Capteur</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/scenes.py" line="61" />
      <source>Cloud %</source>
      <translation>Nuages %</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/scenes.py" line="62" />
      <source>Area cloud %</source>
      <translation>Nuages zone %</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/scenes.py" line="63" />
      <source>Covers %</source>
      <translation>Couvre %</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/scenes.py" line="64" />
      <source>Missing bands</source>
      <translation>Bandes manquantes</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/scenes.py" line="65" />
      <source>Tile / orbit</source>
      <translation>Tuile / orbite</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/scenes.py" line="66" />
      <source>Scene</source>
      <translation>Scène</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/scenes.py" line="70" />
      <source>Rank: best first (every band fetchable, coverage, cloud, recency, preferred sensor)</source>
      <translation>Rang : le meilleur d'abord (toutes les bandes téléchargeables, couverture, nuages, date récente, capteur préféré)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/scenes.py" line="71" />
      <source>The scene's tile (Sentinel-2, Landsat) or relative orbit and pass (Sentinel-1)</source>
      <translation>La tuile de la scène (Sentinel-2, Landsat) ou son orbite relative et son passage (Sentinel-1)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/scenes.py" line="72" />
      <source>Cloud cover of the whole scene, %, as the catalog gives it</source>
      <translation>Couverture nuageuse de toute la scène, en %, selon le catalogue</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/scenes.py" line="75" />
      <source>Cloud over your area, %, from the scene's own cloud mask (when the search was made with Over the area): what the ranking and the maximum cloud cover then go by</source>
      <translation>Nuages sur votre zone, en %, d'après le masque de nuages de la scène (quand la recherche est faite avec Sur la zone) : ce que suivent alors le classement et la couverture nuageuse maximale</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/scenes.py" line="80" />
      <source>Share of your area the scene covers, %</source>
      <translation>Part de votre zone couverte par la scène, %</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/scenes.py" line="83" />
      <source>Bands the catalog does not have for this scene, or has only on requester-pays storage, which FirstLight cannot fetch; an event that does not read them is ingested</source>
      <translation>Bandes que le catalogue n'a pas pour cette scène, ou n'a que sur un stockage payé par le demandeur, que FirstLight ne peut pas télécharger ; un événement qui ne les lit pas est tout de même importé</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/thumbnail.py" line="48" />
      <source>no reply</source>
      <translation>pas de réponse</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/gui/thumbnail.py" line="53" />
      <source>not an image</source>
      <translation>pas une image</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/base.py" line="111" />
      <source>a whole number</source>
      <translation>un nombre entier</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/base.py" line="113" />
      <source>a number</source>
      <translation>un nombre</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/base.py" line="117" />
      <source>{kind} from {low:g} to {high:g}</source>
      <translation>{kind} de {low:g} à {high:g}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/base.py" line="44" />
      <source>Imagery</source>
      <translation>Imagerie</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/base.py" line="45" />
      <source>Indices</source>
      <translation>Indices</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/base.py" line="119" />
      <source>{kind} of at least {low:g}</source>
      <translation>{kind} d’au moins {low:g}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/base.py" line="124" />
      <source>{name} takes {wanted}, not {value}.</source>
      <translation>{name} attend {wanted}, pas {value}.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/base.py" line="134" />
      <source>{name} takes one of {options}, not {value}.</source>
      <translation>{name} attend l’une des valeurs {options}, pas {value}.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/base.py" line="121" />
      <source>{kind} of at most {high:g}</source>
      <translation>{kind} d’au plus {high:g}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/change.py" line="128" />
      <source>Burn severity (dNBR) from two NBRs</source>
      <translation>Sévérité du brûlis (dNBR) à partir de deux NBR</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/change.py" line="136" />
      <source>dNBR, the NBR before the fire minus the NBR after it, and its burn severity classes (Key &amp; Benson, as the USGS uses them): 0 unburned or regrowth (dNBR below 0.1), 1 low, 2 moderate-low (0.27), 3 moderate-high (0.44), 4 high (0.66); 255 no data.

Both inputs are one-band NBR rasters, such as 'Compute index / water mask' writes with INDEX=nbr. They may come from different scenes, tiles, sensors or CRSs: the results are on the post-event NBR's grid, the pre-event NBR resampled bilinearly onto it. A raster that is not an NBR (a stack, another index, a mask) or two rasters that do not overlap are refused before anything is written.

'Ingest scenes' with pre-event dates does the same for the scenes it downloads.</source>
      <translation>Le dNBR, NBR d'avant l'incendie moins NBR d'après, et ses classes de sévérité du brûlis (Key &amp; Benson, comme l'USGS les emploie) : 0 non brûlé ou repousse (dNBR sous 0,1), 1 faible, 2 modérée-faible (0,27), 3 modérée-forte (0,44), 4 forte (0,66) ; 255 sans données.

Les deux entrées sont des rasters NBR d'une bande, tels que 'Calculer un indice / masque d'eau' les écrit avec INDEX=nbr. Ils peuvent venir de scènes, tuiles, capteurs ou SCR différents : les résultats sont sur la grille du NBR d'après l'événement, le NBR d'avant rééchantillonné dessus (bilinéaire). Un raster qui n'est pas un NBR (une pile, un autre indice, un masque) ou deux rasters qui ne se recouvrent pas sont refusés avant toute écriture.

'Importer des scènes' avec des dates d'avant l'événement fait de même pour les scènes qu'il télécharge.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/change.py" line="164" />
      <source>Share of valid pixels burnt (dNBR 0.1 or more)</source>
      <translation>Part des pixels valides brûlés (dNBR de 0,1 ou plus)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/change.py" line="193" />
      <source>Flood extent from two water masks</source>
      <translation>Étendue de l'inondation à partir de deux masques d'eau</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/change.py" line="201" />
      <source>The flood: water after the event that was dry before it, told apart from the water that was already there (the river in its bed, lakes). 1 flooded, 2 water before too, 0 dry, 255 where either mask has no data (clouds, beyond the scene).

Both inputs are water masks (0 dry, 1 water, 255 no data), such as 'Compute index / water mask' writes: from NDWI or MNDWI, or from Sentinel-1 backscatter. They may come from different sensors, tiles or CRSs: a radar mask after the flood against an optical one before it works. The result is on the post-event mask's grid, the pre-event mask read nearest. A raster that is not a mask (a stack, an index) or two masks that do not overlap are refused before anything is written.

'Ingest scenes' with pre-event dates does the same for the scenes it downloads.</source>
      <translation>L'inondation : l'eau d'après l'événement là où c'était sec avant, distinguée de l'eau qui y était déjà (la rivière dans son lit, les lacs). 1 inondé, 2 eau déjà avant, 0 sec, 255 là où l'un des masques n'a pas de données (nuages, hors de la scène).

Les deux entrées sont des masques d'eau (0 sec, 1 eau, 255 sans données), tels que 'Calculer un indice / masque d'eau' les écrit : à partir du NDWI ou du MNDWI, ou de la rétrodiffusion Sentinel-1. Ils peuvent venir de capteurs, tuiles ou SCR différents : un masque radar d'après l'inondation face à un masque optique d'avant fonctionne. Le résultat est sur la grille du masque d'après l'événement, le masque d'avant lu au plus proche voisin. Un raster qui n'est pas un masque (une pile, un indice) ou deux masques qui ne se recouvrent pas sont refusés avant toute écriture.

'Importer des scènes' avec des dates d'avant l'événement fait de même pour les scènes qu'il télécharge.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/change.py" line="226" />
      <source>Share of valid pixels flooded</source>
      <translation>Part des pixels valides inondés</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/change.py" line="56" />
      <location filename="../firstlight_qgis/processing/index.py" line="168" />
      <source>Share of valid pixels</source>
      <translation>Part de pixels valides</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/change.py" line="62" />
      <source>Area changed (km², none on a grid in degrees)</source>
      <translation>Surface changée (km², aucune sur une grille en degrés)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/change.py" line="95" />
      <source>No pixel is valid in both rasters: where they overlap, one of them has no data (clouds, or beyond its scene).</source>
      <translation>Aucun pixel n'est valide dans les deux rasters : là où ils se recouvrent, l'un d'eux n'a pas de données (nuages, ou hors de sa scène).</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/change.py" line="131" />
      <source>dnbr,nbr,burn,severity,wildfire,fire,change,pre-event</source>
      <translation>dnbr,nbr,brûlis,sévérité,feu de forêt,incendie,changement,avant l'événement</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/change.py" line="152" />
      <source>Pre-event NBR</source>
      <translation>NBR d'avant l'événement</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/change.py" line="153" />
      <source>Post-event NBR</source>
      <translation>NBR d'après l'événement</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/change.py" line="159" />
      <source>dNBR</source>
      <translation>dNBR</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/change.py" line="160" />
      <location filename="../firstlight_qgis/processing/ingest.py" line="414" />
      <source>Burn severity</source>
      <translation>Sévérité du brûlis</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/change.py" line="196" />
      <source>flood,extent,water,mask,change,pre-event,sentinel-1,sar</source>
      <translation>inondation,étendue,eau,masque,changement,avant l'événement,sentinel-1,sar</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/change.py" line="218" />
      <source>Pre-event water mask</source>
      <translation>Masque d'eau d'avant l'événement</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/change.py" line="219" />
      <source>Post-event water mask</source>
      <translation>Masque d'eau d'après l'événement</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/change.py" line="223" />
      <location filename="../firstlight_qgis/processing/ingest.py" line="416" />
      <source>Flood extent</source>
      <translation>Étendue de l'inondation</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/discover.py" line="148" />
      <source>Discover scenes</source>
      <translation>Découvrir des scènes</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/discover.py" line="159" />
      <source>Searches a STAC catalog for the Sentinel-2, Landsat or Sentinel-1 scenes an event needs over the area between two dates, best first: most of the area covered, least cloud, most recent, the event's preferred sensor.

Catalog: earth-search (default), planetary-computer, the URL of any STAC API, or the path of a local catalog.json / ItemCollection file.

Outputs: the footprints (one polygon per scene with its id, date, sensor, cloud %, % of the area covered, missing bands and priority) and a JSON file of the scenes, which 'Ingest scenes' reads through its SCENES_JSON parameter.</source>
      <translation>Cherche dans un catalogue STAC les scènes Sentinel-2, Landsat ou Sentinel-1 dont un événement a besoin sur la zone entre deux dates, les meilleures d'abord : la plus grande part de la zone couverte, le moins de nuages, les plus récentes, le capteur préféré de l'événement.

Catalogue : earth-search (par défaut), planetary-computer, l'URL de n'importe quelle API STAC, ou le chemin d'un fichier catalog.json / ItemCollection local.

Sorties : les emprises (un polygone par scène avec son identifiant, sa date, son capteur, sa couverture nuageuse en %, le % de la zone couvert, les bandes manquantes et son rang) et un fichier JSON des scènes, que « Importer des scènes » lit par son paramètre SCENES_JSON.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/discover.py" line="116" />
      <source>{scene} ({area:.1f}% over the area)</source>
      <translation>{scene} ({area:.1f} % sur la zone)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/discover.py" line="175" />
      <source>Maximum number of scenes</source>
      <translation>Nombre maximal de scènes</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/discover.py" line="154" />
      <source>stac,search,sentinel-2,landsat,sentinel-1,footprint,flood,wildfire,drought</source>
      <translation>stac,recherche,sentinel-2,landsat,sentinel-1,emprise,inondation,incendie,sécheresse</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/discover.py" line="189" />
      <source>Scene footprints</source>
      <translation>Emprises des scènes</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/discover.py" line="198" />
      <source>Scenes (JSON)</source>
      <translation>Scènes (JSON)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/discover.py" line="199" />
      <source>JSON files (*.json)</source>
      <translation>Fichiers JSON (*.json)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/discover.py" line="206" />
      <source>Number of scenes</source>
      <translation>Nombre de scènes</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/discover.py" line="211" />
      <source>Scene ids, best first (comma-separated)</source>
      <translation>Identifiants des scènes, les meilleures d'abord (séparés par des virgules)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/discover.py" line="232" />
      <source>Searching {catalog} for {event} scenes from {start} to {end}, {limit}.</source>
      <translation>Recherche dans {catalog} de scènes {event} du {start} au {end}, {limit}.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/discover.py" line="261" />
      <source>{priority}. {id}: {sensor}, {date}, cloud {cloud}, {coverage}% of the area{missing}</source>
      <translation>{priority}. {id} : {sensor}, {date}, nuages {cloud}, {coverage} % de la zone{missing}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/figures.py" line="30" />
      <source>Figures by scene (table)</source>
      <translation>Chiffres par scène (table)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="78" />
      <source>Compute index / water mask</source>
      <translation>Calculer un indice / masque d'eau</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="89" />
      <source>Computes a normalised-difference index of a band stack: NDWI (green, NIR), MNDWI (green, SWIR 1.6), NBR (NIR, SWIR 2.2) or NDVI (NIR, red), from reflectance (DN x scale + offset, the sensor's defaults unless given), as float32 with NaN for no data. Works on the stack of 'Ingest scenes' and on any raster step after it.

Bands are found by their description (blue ... swir22, B03, SR_B5, ...), else by position when the stack has exactly the sensor's canonical bands (Sentinel-2: blue, green, red, nir, swir16, swir22).

Water mask, of NDWI and MNDWI only (a temporary file unless OUTPUT_WATER is given): 1 where the index is above WATER_THRESHOLD (a number, or otsu), 0 dry, 255 no data.

Sentinel-1: the index is not used; OUTPUT and OUTPUT_WATER are the water mask from VV backscatter below SAR_THRESHOLD_DB. Radar speckle makes single pixels of wet fields fall below it and single pixels of water rise above it: a pixel is water where the median of the SAR_SPECKLE_WINDOW x SAR_SPECKLE_WINDOW pixels around it is below the threshold (3 by default; 0 for each pixel alone).</source>
      <translation>Calcule un indice de différence normalisée d'une pile de bandes : NDWI (vert, PIR), MNDWI (vert, SWIR 1,6), NBR (PIR, SWIR 2,2) ou NDVI (PIR, rouge), à partir de la réflectance (CN x échelle + décalage, valeurs par défaut du capteur sauf indication contraire), en float32 avec NaN pour l'absence de données. Fonctionne sur la pile produite par « Importer des scènes » et sur toute étape raster qui la suit.

Les bandes sont trouvées par leur description (blue ... swir22, B03, SR_B5, ...), sinon par leur position quand la pile contient exactement les bandes canoniques du capteur (Sentinel-2 : blue, green, red, nir, swir16, swir22).

Masque d'eau, de NDWI et MNDWI seulement (un fichier temporaire sauf si OUTPUT_WATER est renseigné) : 1 là où l'indice dépasse WATER_THRESHOLD (un nombre, ou otsu), 0 sec, 255 sans données.

Sentinel-1 : l'indice n'est pas utilisé ; OUTPUT et OUTPUT_WATER reçoivent le masque d'eau tiré de la rétrodiffusion VV sous SAR_THRESHOLD_DB. Le chatoiement du radar fait passer sous ce seuil des pixels isolés de champs humides, et au-dessus des pixels isolés d'eau : un pixel est de l'eau là où la médiane des SAR_SPECKLE_WINDOW x SAR_SPECKLE_WINDOW pixels qui l'entourent est sous le seuil (3 par défaut ; 0 pour chaque pixel seul).</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="128" />
      <source>Cloud mask (Sentinel-2 SCL or Landsat QA_PIXEL)</source>
      <translation>Masque de nuages (SCL de Sentinel-2 ou QA_PIXEL de Landsat)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="134" />
      <source>Reflectance scale (empty: sensor default)</source>
      <translation>Échelle de réflectance (vide : valeur du capteur)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="141" />
      <source>Reflectance offset (empty: sensor default)</source>
      <translation>Décalage de réflectance (vide : valeur du capteur)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="346" />
      <source>Sentinel-1: writing the water mask from VV backscatter to OUTPUT and OUTPUT_WATER.</source>
      <translation>Sentinel-1 : écriture du masque d'eau tiré de la rétrodiffusion VV dans OUTPUT et OUTPUT_WATER.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="375" />
      <source>No pixel of the {index} is valid, so nothing was written: the sensor ({sensor}) or the reflectance scale and offset most likely do not match the stack, or the cloud mask hides all of it.</source>
      <translation>Aucun pixel du {index} n'est valide, rien n'a donc été écrit : le capteur ({sensor}) ou l'échelle et le décalage de réflectance ne correspondent très probablement pas à la pile, ou le masque de nuages la cache entièrement.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="382" />
      <source>No pixel of the {index} is valid, so nothing was written: the sensor ({sensor}) or the reflectance scale and offset most likely do not match the stack, or it holds only no data.</source>
      <translation>Aucun pixel du {index} n'est valide, rien n'a donc été écrit : le capteur ({sensor}) ou l'échelle et le décalage de réflectance ne correspondent très probablement pas à la pile, ou celle-ci ne contient que des pixels sans données.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="84" />
      <source>ndwi,mndwi,nbr,ndvi,water,mask,otsu,index,sentinel-1,sar</source>
      <translation>ndwi,mndwi,nbr,ndvi,eau,masque,otsu,indice,sentinel-1,sar</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="109" />
      <source>Band stack</source>
      <translation>Pile de bandes</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="112" />
      <location filename="../firstlight_qgis/processing/index.py" line="155" />
      <location filename="../firstlight_qgis/processing/ingest.py" line="411" />
      <source>Index</source>
      <translation>Indice</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="122" />
      <location filename="../firstlight_qgis/processing/ingest.py" line="385" />
      <source>Water threshold (number or otsu)</source>
      <translation>Seuil d'eau (nombre ou otsu)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="161" />
      <location filename="../firstlight_qgis/processing/ingest.py" line="412" />
      <source>Water mask</source>
      <translation>Masque d'eau</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="172" />
      <source>Share of valid pixels that are water</source>
      <translation>Part des pixels valides qui sont de l'eau</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="177" />
      <source>Area of water (km², none on a grid in degrees)</source>
      <translation>Surface en eau (km², aucune sur une grille en degrés)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="180" />
      <source>Threshold applied</source>
      <translation>Seuil appliqué</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="214" />
      <source>OUTPUT_WATER is the same file as OUTPUT: give the water mask a file of its own.</source>
      <translation>OUTPUT_WATER est le même fichier que OUTPUT : donnez au masque d&apos;eau un fichier à lui.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="313" />
      <source>{index}: {valid:.1%} of the pixels valid.</source>
      <translation>{index} : {valid:.1%} des pixels valides.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="206" />
      <source>{index} does not tell water from land, so it has no water mask: leave OUTPUT_WATER empty, or choose NDWI or MNDWI.</source>
      <translation>{index} ne distingue pas l'eau de la terre, il n'a donc pas de masque d'eau : laissez OUTPUT_WATER vide, ou choisissez NDWI ou MNDWI.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="239" />
      <source>The reflectance scale '{value}' is not valid: give a number above 0, such as 0.0001, or leave it empty for the sensor's default.</source>
      <translation>L'échelle de réflectance « {value} » n'est pas valide : donnez un nombre supérieur à 0, par exemple 0.0001, ou laissez-la vide pour la valeur par défaut du capteur.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="247" />
      <source>The reflectance offset '{value}' is not a number: give one, such as -0.1, or leave it empty for the sensor's default.</source>
      <translation>Le décalage de réflectance « {value} » n'est pas un nombre : donnez-en un, par exemple -0.1, ou laissez-le vide pour la valeur par défaut du capteur.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="440" />
      <source>Cannot write the water mask {path}: {reason}; choose another path.</source>
      <translation>Impossible d'écrire le masque d'eau {path} : {reason} ; choisissez un autre chemin.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/index.py" line="320" />
      <source>Water mask: threshold {threshold:g}, {share} water.</source>
      <translation>Masque d'eau : seuil {threshold:g}, {share} d'eau.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="153" />
      <source>started</source>
      <translation>démarrée</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="155" />
      <source>skipped</source>
      <translation>déjà présente</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="212" />
      <source>Ingest scenes</source>
      <translation>Importer des scènes</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="225" />
      <source>Downloads every spectral band of the chosen scenes, stacks them into a VRT in canonical band order, validates the stack and computes the event's index: NDWI/MNDWI and a water mask for floods, NBR for burn scars, NDVI for drought.

With pre-event dates, the latest clear scene between them (at most 10% cloud, else the clearest) is ingested too, and each scene gets its change since: for floods, the flood extent &lt;id&gt;_flood.tif (1 flooded: water now, dry before; 2 water before too, the river in its bed; 0 dry; 255 no data); for burn scars, dNBR (the pre-event NBR minus its own, &gt; 0 where land burned) and burn severity classes (0 unburned, 1 low, 2 moderate-low, 3 moderate-high, 4 high; 255 no data).

Scenes: the ids in SCENES (comma-separated), else the best BEST_N found by the search. With SCENES_JSON (the JSON output of 'Discover scenes') the scenes are taken from that file and no search runs.

Clip to area (default) reads only the area's pixels of each band over HTTP range requests (a file that is not a COG is downloaded whole once and kept as &lt;band&gt;.source.tif for the next area); off downloads whole band files (100-250 MB each for Sentinel-2).

Skip validation keeps going when a scene lacks a band or the stack fails its checks: faster and lenient, but the result may lack NIR/SWIR or be unfit for analysis, and indices needing a missing band are not computed.

Each scene goes to OUTPUT_FOLDER/&lt;scene id&gt;/: one GeoTIFF per band, &lt;id&gt;_stack.vrt, the index rasters, &lt;id&gt;_water.tif (1 water, 0 dry, 255 no data) and manifest.json. Re-running skips bands already complete and verified.</source>
      <translation>Télécharge toutes les bandes spectrales des scènes choisies, les empile dans un VRT dans l'ordre canonique des bandes, valide la pile et calcule l'indice de l'événement : NDWI/MNDWI et un masque d'eau pour les inondations, NBR pour les cicatrices de brûlis, NDVI pour la sécheresse.

Avec des dates d'avant l'événement, la dernière scène claire entre elles (au plus 10 % de nuages, sinon la moins nuageuse) est importée aussi, et chaque scène reçoit son changement depuis : pour les inondations, l'étendue de l'inondation &lt;id&gt;_flood.tif (1 inondé : de l'eau maintenant, sec avant ; 2 déjà de l'eau avant, la rivière dans son lit ; 0 sec ; 255 sans données) ; pour les cicatrices de brûlis, le dNBR (le NBR d'avant l'événement moins le sien, &gt; 0 là où le sol a brûlé) et des classes de sévérité du brûlis (0 non brûlé, 1 faible, 2 modérée-faible, 3 modérée-forte, 4 forte ; 255 sans données).

Scènes : les identifiants de SCENES (séparés par des virgules), sinon les BEST_N meilleures trouvées par la recherche. Avec SCENES_JSON (la sortie JSON de « Découvrir des scènes »), les scènes sont lues dans ce fichier et aucune recherche n'est lancée.

Découper à la zone (par défaut) ne lit que les pixels de la zone dans chaque bande, par requêtes HTTP partielles (un fichier qui n'est pas un COG est téléchargé en entier une seule fois et gardé sous le nom &lt;bande&gt;.source.tif pour la zone suivante) ; désactivé, les fichiers de bandes sont téléchargés en entier (100 à 250 Mo chacun pour Sentinel-2).

Ignorer la validation continue quand une scène n'a pas une bande ou que la pile échoue à ses contrôles : plus rapide et plus tolérant, mais le résultat peut manquer de PIR/SWIR ou être inutilisable pour l'analyse, et les indices qui ont besoin d'une bande manquante ne sont pas calculés.

Chaque scène va dans OUTPUT_FOLDER/&lt;identifiant de la scène&gt;/ : un GeoTIFF par bande, &lt;id&gt;_stack.vrt, les rasters d'indice, &lt;id&gt;_water.tif (1 eau, 0 sec, 255 sans données) et manifest.json. Une nouvelle exécution saute les bandes déjà complètes et vérifiées.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="254" />
      <source>Scene ids (comma-separated)</source>
      <translation>Identifiants des scènes (séparés par des virgules)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="257" />
      <source>Ids of the scenes to ingest; empty takes the best BEST_N scenes found.</source>
      <translation>Identifiants des scènes à importer ; vide prend les BEST_N meilleures scènes trouvées.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="262" />
      <source>Scenes from Discover (JSON)</source>
      <translation>Scènes de « Découvrir » (JSON)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="269" />
      <source>The SCENES_JSON output of 'Discover scenes': its scenes are used and no search runs.</source>
      <translation>La sortie SCENES_JSON de « Découvrir des scènes » : ses scènes sont utilisées et aucune recherche n'est lancée.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="304" />
      <source>Pre-event scene id (empty: the best found)</source>
      <translation>Identifiant de la scène d'avant l'événement (vide : la meilleure trouvée)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="310" />
      <source>The scene to compare with, rather than the one FirstLight picks: the id of a scene found between the pre-event dates (as firstlight:discover lists them).</source>
      <translation>La scène à laquelle comparer, plutôt que celle que choisit FirstLight : l'identifiant d'une scène trouvée entre les dates d'avant l'événement (telle que firstlight:discover les liste).</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="323" />
      <source>Mosaic the scenes (one raster per product)</source>
      <translation>Mosaïquer les scènes (un raster par produit)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="326" />
      <source>With two scenes or more (an area over two tiles), their products are also mosaicked into OUTPUT_FOLDER/mosaic/&lt;product&gt;.tif: the first scene on top, the others filling its gaps (beyond its footprint, its clouds), the areas counted once. Pick scenes of one day: a mosaic of several dates mixes the states of the event.</source>
      <translation>Avec deux scènes ou plus (une zone sur deux tuiles), leurs produits sont aussi mosaïqués dans OUTPUT_FOLDER/mosaic/&lt;produit&gt;.tif : la première scène au-dessus, les autres comblant ses manques (hors de son emprise, ses nuages), les surfaces comptées une seule fois. Choisissez des scènes d'un même jour : une mosaïque de plusieurs dates mêle les états de l'événement.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="342" />
      <source>Also write each scene's flood extent (with pre-event dates), burn severity, or else its water mask as polygons, &lt;id&gt;_&lt;product&gt;.gpkg beside it: one per patch, with its class and area in km². Patches under POLYGON_MIN_AREA_M2 join the class around them.</source>
      <translation>Écrit aussi l'étendue de l'inondation de chaque scène (avec des dates avant l'événement), la sévérité du brûlis, ou sinon son masque d'eau en polygones, &lt;id&gt;_&lt;produit&gt;.gpkg à côté : un par tache, avec sa classe et sa surface en km². Les taches de moins de POLYGON_MIN_AREA_M2 rejoignent la classe qui les entoure.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="352" />
      <source>Polygons: minimum area of a patch (m²)</source>
      <translation>Polygones : surface minimale d'une tache (m²)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="377" />
      <source>Accept scenes lacking a band and stacks that fail validation. Use it to get whatever is there quickly; the result may be unfit for spectral analysis.</source>
      <translation>Accepte les scènes auxquelles il manque une bande et les piles qui échouent à la validation. À utiliser pour obtenir vite ce qui est disponible ; le résultat peut être inutilisable pour l'analyse spectrale.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="388" />
      <source>Pixels whose water index is above this are water; otsu picks it from the image.</source>
      <translation>Les pixels dont l'indice d'eau dépasse cette valeur sont de l'eau ; otsu la choisit d'après l'image.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="394" />
      <source>Mask clouds (SCL / QA_PIXEL)</source>
      <translation>Masquer les nuages (SCL / QA_PIXEL)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="397" />
      <source>Retries per band</source>
      <translation>Nouvelles tentatives par bande</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="218" />
      <source>stac,download,stack,vrt,ndwi,mndwi,water,flood,nbr,dnbr,burn,wildfire,sentinel-2,landsat,sentinel-1</source>
      <translation>stac,téléchargement,pile,vrt,ndwi,mndwi,eau,inondation,nbr,dnbr,brûlis,incendie,sentinel-2,landsat,sentinel-1</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="278" />
      <source>Number of best scenes (when no ids are given)</source>
      <translation>Nombre de meilleures scènes (sans identifiants)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="287" />
      <source>Pre-event start date (flood extent, dNBR)</source>
      <translation>Début de la période d'avant l'événement (étendue de l'inondation, dNBR)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="288" />
      <source>Pre-event end date (flood extent, dNBR)</source>
      <translation>Fin de la période d'avant l'événement (étendue de l'inondation, dNBR)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="292" />
      <source>The latest clear scene between these dates (at most 10% cloud, else the clearest; of the first scene's tile or orbit when there is one), before the event's dates, or the one PRE_EVENT_SCENE names, is ingested too, and each scene's change since is computed: a flood's extent, a burn scar's dNBR and burn severity. Leave both empty for the event's index and water mask alone.</source>
      <translation>La scène dégagée la plus récente entre ces dates (au plus 10 % de nuages, sinon la moins nuageuse ; de la tuile ou de l'orbite de la première scène s'il y en a une), avant les dates de l'événement, ou celle que nomme PRE_EVENT_SCENE, est aussi importée, et le changement de chaque scène depuis est calculé : l'étendue d'une inondation, le dNBR et la sévérité d'un brûlis. Laisser les deux vides pour l'indice et le masque d'eau de l'événement seuls.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="319" />
      <source>Clip to the area (else whole scene)</source>
      <translation>Découper à la zone (sinon scène entière)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="363" />
      <source>Parallel downloads</source>
      <translation>Téléchargements en parallèle</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="409" />
      <source>Band stack (VRT)</source>
      <translation>Pile de bandes (VRT)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="417" />
      <source>Manifest</source>
      <translation>Manifeste</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="419" />
      <source>All layers produced</source>
      <translation>Toutes les couches produites</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="421" />
      <source>Ingested scene ids</source>
      <translation>Identifiants des scènes importées</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="424" />
      <source>Sensor of the first scene (sentinel2, landsat, sentinel1)</source>
      <translation>Capteur de la première scène (sentinel2, landsat, sentinel1)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="429" />
      <source>Polygons (with POLYGONS)</source>
      <translation>Polygones (avec POLYGONS)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="433" />
      <source>Mosaic folder (with MOSAIC)</source>
      <translation>Dossier de la mosaïque (avec MOSAIC)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="438" />
      <source>What the first scene (with MOSAIC, the whole area) shows: flooded, burnt or water share and area</source>
      <translation>Ce que montre la première scène (avec MOSAIC, toute la zone) : part et surface inondée, brûlée ou en eau</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="536" />
      <source>Validation is skipped: scenes lacking bands are accepted and the stacks are not checked, so the results may lack NIR/SWIR or be unfit for spectral analysis.</source>
      <translation>La validation est ignorée : les scènes auxquelles il manque des bandes sont acceptées et les piles ne sont pas contrôlées, les résultats peuvent donc manquer de PIR/SWIR ou être inutilisables pour l'analyse spectrale.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="607" />
      <source>Ingest cancelled; completed band files were kept and will be reused.</source>
      <translation>Import annulé ; les fichiers de bandes terminés sont conservés et seront réutilisés.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="644" />
      <source>One scene: nothing to mosaic.</source>
      <translation>Une seule scène : rien à mosaïquer.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="486" />
      <source>Searching {catalog} for {event} scenes from {start} to {end}.</source>
      <translation>Recherche dans {catalog} des scènes {event} du {start} au {end}.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="658" />
      <source>Mosaic of {count} scenes: {products} in {folder}.</source>
      <translation>Mosaïque de {count} scènes : {products} dans {folder}.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="700" />
      <source>Manifest: {path}</source>
      <translation>Manifeste : {path}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="119" />
      <source>The scenes of {file} were found for {found_for}, and EVENT is {event}: set EVENT to {found_for}, or run Discover for {event}.</source>
      <translation>Les scènes de {file} ont été trouvées pour {found_for}, et EVENT vaut {event} : mettez EVENT à {found_for}, ou relancez « Découvrir des scènes » pour {event}.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="473" />
      <source>Reading the scenes of {file}.</source>
      <translation>Lecture des scènes de {file}.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="504" />
      <source>Pre-event dates serve a flood's extent or a burn scar's dNBR, not {event}: clear them, or choose a flood or wildfire.burn_scar.</source>
      <translation>Les dates d'avant l'événement servent à l'étendue d'une inondation ou au dNBR d'une cicatrice de brûlis, pas à {event} : effacez-les, ou choisissez une inondation ou wildfire.burn_scar.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="567" />
      <source>The pre-event scene {id} is looked for between the pre-event dates: give them too.</source>
      <translation>La scène d'avant l'événement {id} est cherchée entre les dates d'avant l'événement : donnez-les aussi.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="649" />
      <source>The mosaic mixes scenes of {days}: where they overlap it shows the first scene's day, elsewhere another's. Mosaic scenes of one day to map one state of the event.</source>
      <translation>La mosaïque mêle des scènes du {days} : là où elles se recouvrent, elle montre le jour de la première scène, ailleurs celui d'une autre. Mosaïquez des scènes d'un même jour pour cartographier un seul état de l'événement.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="664" />
      <source>Mosaic: {line}</source>
      <translation>Mosaïque : {line}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="680" />
      <source>clipped to the area</source>
      <translation>découpée à la zone</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="682" />
      <source>whole scene</source>
      <translation>scène entière</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/ingest.py" line="690" />
      <source>Stack: {path} ({bands})</source>
      <translation>Pile : {path} ({bands})</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="166" />
      <source>Judge cloud over the area (reads each scene's cloud mask)</source>
      <translation>Juger les nuages sur la zone (lit le masque de nuages de chaque scène)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="99" />
      <source>The area to search and clip to: an extent in any CRS (xmin,xmax,ymin,ymax [EPSG:n]), or a polygon layer or vector file whose polygons are used as drawn.</source>
      <translation>La zone où chercher et à laquelle découper : une emprise dans n'importe quel SCR (xmin,xmax,ymin,ymax [EPSG:n]), ou une couche de polygones ou un fichier vecteur dont les polygones sont utilisés tels que dessinés.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="117" />
      <source>What happened: flood.* events give a water mask (NDWI/MNDWI, Sentinel-1 VV), wildfire.burn_scar the NBR (and with pre-event dates, dNBR and burn severity), drought.vegetation the NDVI.</source>
      <translation>Ce qui s'est passé : les événements flood.* donnent un masque d'eau (NDWI/MNDWI, VV de Sentinel-1), wildfire.burn_scar le NBR (et avec des dates d'avant l'événement, le dNBR et la sévérité du brûlis), drought.vegetation le NDVI.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="133" />
      <source>First day of the search (YYYY-MM-DD, UTC, inclusive).</source>
      <translation>Premier jour de la recherche (AAAA-MM-JJ, UTC, inclus).</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="141" />
      <source>Last day of the search (YYYY-MM-DD, UTC, inclusive); not before the start date.</source>
      <translation>Dernier jour de la recherche (AAAA-MM-JJ, UTC, inclus) ; pas avant la date de début.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="158" />
      <source>Optical scenes cloudier than this are left out; Sentinel-1 radar is never filtered.</source>
      <translation>Les scènes optiques plus nuageuses sont écartées ; le radar Sentinel-1 n'est jamais filtré.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="173" />
      <source>The maximum cloud cover and the ranking apply to the cloud over the area, measured from each optical scene's own cloud mask (Sentinel-2 SCL, Landsat QA_PIXEL, its tiles under the area only), instead of the catalog's figure for the whole scene: a scene 70% cloudy may be clear over the area, and one 4% cloudy may have its one cloud there. Costs a small read per scene found.</source>
      <translation>La couverture nuageuse maximale et le classement s'appliquent aux nuages sur la zone, mesurés d'après le masque de nuages de chaque scène optique (SCL de Sentinel-2, QA_PIXEL de Landsat, ses seules tuiles sous la zone), au lieu du chiffre du catalogue pour toute la scène : une scène nuageuse à 70 % peut être dégagée sur la zone, et une à 4 % y avoir son seul nuage. Coûte une petite lecture par scène trouvée.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="188" />
      <source>earth-search (Earth Search v1, no account), planetary-computer (Microsoft Planetary Computer), the URL of any STAC API, or the path of a local STAC catalog, collection or ItemCollection file.</source>
      <translation>earth-search (Earth Search v1, sans compte), planetary-computer (Microsoft Planetary Computer), l'URL de n'importe quelle API STAC, ou le chemin d'un fichier local de catalogue, de collection ou d'ItemCollection STAC.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="205" />
      <source>STAC collection ids to search; empty searches the event's sensors' usual collections (e.g. sentinel-2-l2a, landsat-c2-l2).</source>
      <translation>Identifiants des collections STAC où chercher ; vide cherche dans les collections habituelles des capteurs de l'événement (par ex. sentinel-2-l2a, landsat-c2-l2).</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="259" />
      <source>at most {cloud:g}% cloud over the area</source>
      <translation>au plus {cloud:g} % de nuages sur la zone</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="261" />
      <source>at most {cloud:g}% cloud</source>
      <translation>au plus {cloud:g} % de nuages</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="562" />
      <source>selected features</source>
      <translation>entités sélectionnées</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="564" />
      <source>features</source>
      <translation>entités</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="587" />
      <source>(none)</source>
      <translation>(aucune)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="98" />
      <source>Area of interest</source>
      <translation>Zone d'intérêt</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="129" />
      <source>Start date</source>
      <translation>Date de début</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="139" />
      <source>End date</source>
      <translation>Date de fin</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="151" />
      <source>Maximum cloud cover (%)</source>
      <translation>Couverture nuageuse maximale (%)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="200" />
      <source>Collections (comma-separated)</source>
      <translation>Collections (séparées par des virgules)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="288" />
      <source>No scene for {event} in {catalog} covers the area between {start} and {end} with {limit}: widen the dates, raise the maximum cloud cover or check the area and catalog.</source>
      <translation>Aucune scène {event} de {catalog} ne couvre la zone entre le {start} et le {end} avec {limit} : élargissez les dates, augmentez la couverture nuageuse maximale ou vérifiez la zone et le catalogue.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/parameters.py" line="370" />
      <source>The area's CRS {crs} is unknown: give the EPSG code of the CRS its coordinates are in, such as EPSG:4326 for longitude and latitude or EPSG:32721 for UTM zone 21 south.</source>
      <translation>Le SCR {crs} de la zone est inconnu : donnez le code EPSG du SCR de ses coordonnées, par exemple EPSG:4326 pour la longitude et la latitude ou EPSG:32721 pour la zone UTM 21 sud.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/polygons.py" line="52" />
      <source>Polygons of a water mask, flood or burn severity</source>
      <translation>Polygones d'un masque d'eau, d'une inondation ou d'une sévérité de brûlis</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/polygons.py" line="63" />
      <source>The classes of a water mask, flood extent or burn severity (as 'Ingest scenes', 'Compute index / water mask', 'Flood extent from two water masks' and 'Burn severity (dNBR) from two NBRs' write them) as polygons: one per patch of water, of flooded land, of water that was there before, of each severity class. Each has its code, its class and its area in km² (none on a grid in degrees). Dry or unburned land and no data make none.

Patches smaller than MIN_AREA_M2 first join the class around them, as a minimum mapping unit: a speck of water in a field goes, a dry speck in a lake is filled. 0 keeps every pixel; the polygons then cover exactly the raster's pixels of their class.</source>
      <translation>Les classes d'un masque d'eau, d'une étendue d'inondation ou d'une sévérité de brûlis (tels que les écrivent 'Importer des scènes', 'Calculer un indice / masque d'eau', 'Étendue de l'inondation à partir de deux masques d'eau' et 'Sévérité du brûlis (dNBR) à partir de deux NBR') en polygones : un par tache d'eau, de terre inondée, d'eau déjà présente avant, de chaque classe de sévérité. Chacun porte son code, sa classe et sa surface en km² (aucune sur une grille en degrés). Les terres sèches ou non brûlées et l'absence de données n'en donnent aucun.

Les taches plus petites que MIN_AREA_M2 rejoignent d'abord la classe qui les entoure, comme unité minimale de cartographie : un point d'eau dans un champ disparaît, un point sec dans un lac est comblé. 0 garde chaque pixel ; les polygones couvrent alors exactement les pixels de leur classe dans le raster.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/polygons.py" line="58" />
      <source>polygons,polygonize,vector,outline,flood,water,burn,severity,report,sieve</source>
      <translation>polygones,polygoniser,vecteur,contour,inondation,eau,brûlis,sévérité,rapport,tamis</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/polygons.py" line="78" />
      <source>Water mask, flood extent or burn severity</source>
      <translation>Masque d'eau, étendue d'inondation ou sévérité de brûlis</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/polygons.py" line="83" />
      <source>Minimum area of a patch (m²)</source>
      <translation>Surface minimale d'une tache (m²)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/polygons.py" line="95" />
      <source>Polygons</source>
      <translation>Polygones</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/polygons.py" line="101" />
      <source>Number of polygons</source>
      <translation>Nombre de polygones</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/pre_event.py" line="48" />
      <source>Scene before the event: {id} ({date}); each scene is compared with it.</source>
      <translation>Scène d'avant l'événement : {id} ({date}) ; chaque scène est comparée avec elle.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/pre_event.py" line="52" />
      <source>Scene before the event: {id} ({date}, cloud {cloud}); each scene is compared with it.</source>
      <translation>Scène d'avant l'événement : {id} ({date}, nuages {cloud}) ; chaque scène est comparée avec elle.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/pre_event.py" line="31" />
      <source>Searching {catalog} for a pre-event scene from {start} to {end}.</source>
      <translation>Recherche dans {catalog} d'une scène d'avant l'événement du {start} au {end}.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/pre_event.py" line="92" />
      <source>The scene before the event is seen from {seen}, {id} from {view}.{why} Some of the changes may be the view's, not the event's (for radar, shadows on the other side of the relief).</source>
      <translation>La scène d'avant l'événement est vue depuis {seen}, {id} depuis {view}.{why} Une partie des changements peut venir de la prise de vue et non de l'événement (pour le radar, les ombres de l'autre côté du relief).</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/pre_event.py" line="38" />
      <source>No pre-event scene in {catalog} covers the area between {start} and {end} with {limit}: widen the pre-event dates or raise the maximum cloud cover.</source>
      <translation>Aucune scène d'avant l'événement de {catalog} ne couvre la zone entre le {start} et le {end} avec {limit} : élargissez les dates d'avant l'événement ou augmentez la couverture nuageuse maximale.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/pre_event.py" line="60" />
      <source>The pre-event scene {id} is also one of the scenes to ingest: give pre-event dates from before those scenes.</source>
      <translation>La scène d'avant l'événement {id} est aussi l'une des scènes à importer : donnez des dates d'avant l'événement antérieures à ces scènes.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/pre_event.py" line="78" />
      <source>It is seen as {id} is: {view}.</source>
      <translation>Elle est vue comme {id} : {view}.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/pre_event.py" line="87" />
      <source>No clear scene from {view} was found between the pre-event dates.</source>
      <translation>Aucune scène dégagée depuis {view} n'a été trouvée entre les dates d'avant l'événement.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/pre_event.py" line="106" />
      <source>The pre-event scene {id} is not among the {count} found in {catalog} between {start} and {end} with {limit} ({ids}): give one of those, or leave it empty.</source>
      <translation>La scène d'avant l'événement {id} n'est pas parmi les {count} trouvées dans {catalog} entre le {start} et le {end} avec {limit} ({ids}) : donnez l'une d'elles, ou laissez vide.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/provider.py" line="31" />
      <source>FirstLight {version}: STAC imagery to event indices</source>
      <translation>FirstLight {version} : de l'imagerie STAC aux indices d'événement</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/proxy.py" line="26" />
      <source>QGIS is set to a SOCKS proxy, which FirstLight cannot use: its searches and downloads go as the HTTP_PROXY and HTTPS_PROXY environment variables say (or directly).</source>
      <translation>QGIS est réglé sur un proxy SOCKS, que FirstLight ne sait pas utiliser : ses recherches et ses téléchargements passent par ce que disent les variables d’environnement HTTP_PROXY et HTTPS_PROXY (ou en direct).</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/sar.py" line="23" />
      <source>Sentinel-1 water threshold (dB)</source>
      <translation>Seuil d'eau Sentinel-1 (dB)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/sar.py" line="31" />
      <source>Sentinel-1 pixels whose VV backscatter is below this are water.</source>
      <translation>Les pixels Sentinel-1 dont la rétrodiffusion VV est sous ce seuil sont de l'eau.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/sar.py" line="35" />
      <source>Sentinel-1 speckle filter: median window (pixels, 0: none)</source>
      <translation>Filtre du chatoiement Sentinel-1 : fenêtre de la médiane (pixels, 0 : aucun)</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/sar.py" line="43" />
      <source>Radar speckle makes single pixels of wet fields fall below the threshold and single pixels of water rise above it: a pixel is water where the median of this many pixels square around it is below the threshold (odd; 0 for each pixel alone).</source>
      <translation>Le chatoiement du radar fait passer sous le seuil des pixels isolés de champs humides, et au-dessus des pixels isolés d'eau : un pixel est de l'eau là où la médiane du carré de ce nombre de pixels de côté qui l'entoure est sous le seuil (impair ; 0 pour chaque pixel seul).</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/styling.py" line="156" />
      <location filename="../firstlight_qgis/processing/styling.py" line="158" />
      <source>Dry</source>
      <translation>Sec</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/styling.py" line="156" />
      <source>Water</source>
      <translation>Eau</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/styling.py" line="159" />
      <source>Flooded</source>
      <translation>Inondé</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/styling.py" line="160" />
      <source>Water before the event</source>
      <translation>Eau avant l'événement</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/styling.py" line="163" />
      <source>Unburned</source>
      <translation>Non brûlé</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/styling.py" line="164" />
      <source>Low severity</source>
      <translation>Sévérité faible</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/styling.py" line="165" />
      <source>Moderate-low severity</source>
      <translation>Sévérité modérée-faible</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/styling.py" line="166" />
      <source>Moderate-high severity</source>
      <translation>Sévérité modérée-forte</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/styling.py" line="167" />
      <source>High severity</source>
      <translation>Sévérité forte</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/styling.py" line="306" />
      <source>Could not style {name}: {error}</source>
      <translation>Impossible d'appliquer le style à {name} : {error}</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/summaries.py" line="22" />
      <source>Water: {share:.1%} of the valid pixels.</source>
      <translation>Eau : {share:.1%} des pixels valides.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/summaries.py" line="23" />
      <source>Flooded (water now, dry before): {share:.1%} of the valid pixels.</source>
      <translation>Inondé (de l'eau maintenant, sec avant) : {share:.1%} des pixels valides.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/summaries.py" line="24" />
      <source>Burnt (dNBR 0.1 or more): {share:.1%} of the valid pixels.</source>
      <translation>Brûlé (dNBR de 0,1 ou plus) : {share:.1%} des pixels valides.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/summaries.py" line="75" />
      <source>1 polygon (patches of 1 pixel or more).</source>
      <translation>1 polygone (taches de 1 pixel ou plus).</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/summaries.py" line="76" />
      <source>1 polygon (patches of {pixels} pixels or more).</source>
      <translation>1 polygone (taches de {pixels} pixels ou plus).</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/summaries.py" line="77" />
      <source>{count} polygons (patches of 1 pixel or more).</source>
      <translation>{count} polygones (taches de 1 pixel ou plus).</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/summaries.py" line="78" />
      <source>{count} polygons (patches of {pixels} pixels or more).</source>
      <translation>{count} polygones (taches de {pixels} pixels ou plus).</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/summaries.py" line="19" />
      <source>No pixel of the area was seen (clouds, beyond the scene): no figure.</source>
      <translation>Aucun pixel de la zone n'a été vu (nuages, hors de la scène) : pas de chiffre.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/summaries.py" line="46" />
      <source>No data (clouds, beyond the scene) hides {hidden:.0%} of the pixels: these are of what is seen.</source>
      <translation>L'absence de données (nuages, hors de la scène) cache {hidden:.0%} des pixels : ces chiffres portent sur ce qui est vu.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/summaries.py" line="56" />
      <source>Area: {area:.2f} km².</source>
      <translation>Surface : {area:.2f} km².</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/summaries.py" line="35" />
      <source>By class: {classes}.</source>
      <translation>Par classe : {classes}.</translation>
    </message>
    <message>
      <location filename="../firstlight_qgis/processing/summaries.py" line="66" />
      <source>Polygons by class: {classes}.</source>
      <translation>Polygones par classe : {classes}.</translation>
    </message>
  </context>
</TS>
